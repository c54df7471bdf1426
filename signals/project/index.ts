// What a project config imports: `import { defineConfig, ratioAbove, ... } from 'node-observability-kit/config'`.
export { defineConfig } from './config.ts';
export type {
  AlertingConfig,
  EnvironmentConfig,
  MetricSpecs,
  NotificationTimings,
  ProjectConfig,
  ReceiverConfig,
  ServiceConfig,
  SloConfig,
  StackConfig,
  TeamRouting,
  Threshold,
  Thresholds,
} from './config.ts';
export { gaugeGrowing, gaugePanel, quantilePanel, ratePanel, rateDropsWeekOverWeek, ratioAbove, ratioPanel, series, where } from './business.ts';
export type { BusinessAlert, BusinessAlertTest, BusinessPanel, MetricRef, PanelUnit, TestSeries } from './business.ts';
export { ProjectConfigError, validateProject } from './validate.ts';
export type { Duration, Runbook, Severity } from '../rule-types.ts';
