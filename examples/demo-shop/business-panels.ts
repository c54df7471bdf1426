// The demo shop's business panels, declared with the kit's helpers against its own metric specs.
import type { BusinessPanel } from '../../signals/project/index.ts';

export const businessPanels: readonly BusinessPanel[] = [];
