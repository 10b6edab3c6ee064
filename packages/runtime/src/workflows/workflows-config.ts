/** The keys of `[workflows]` in llmspell.toml that llmspell reads (workflow-global.ts). */
export const WORKFLOWS_CONFIG_KEYS = ['checkpoint_retention_runs', 'checkpoint_retention_days'] as const;

export type WorkflowsConfigKey = (typeof WORKFLOWS_CONFIG_KEYS)[number];
