// What the CLI's `stack` command uses: run the local stack for a project
// (runStack), or start it and keep the handles (planStack, startStack), and
// read the STACK_* variables (settingsFromEnv).
export { planStack, resolveStack, type StackOptions, type StackPlan, type StackPrinter } from './plan.ts';
export { runStack, type RunningStack, StartInterrupted, startStack } from './run.ts';
export { RULES_MODES, type RulesMode, settingsFromEnv, type StackEnvSettings, StackConfigError } from './stack-settings.ts';
