/** Keys the manager keeps for itself, outside the `state:` namespace scripts write to. */
export const SCHEMA_VERSION_KEY = '__llmspell:schema_version';

/** What a backup holds: every state key plus the schema version. */
export const BACKED_UP_PREFIXES = ['state:'] as const;
export const BACKED_UP_KEYS = [SCHEMA_VERSION_KEY] as const;
