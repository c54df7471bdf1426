// The demo shop's business alerts, declared with the kit's helpers against its own metric specs.
import type { BusinessAlert } from '../../signals/project/index.ts';

export const businessAlerts: readonly BusinessAlert[] = [];
