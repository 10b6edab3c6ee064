export const SecurityLevels = ['safe', 'restricted', 'privileged'] as const;
export type SecurityLevel = (typeof SecurityLevels)[number];

export function securityLevelRank(level: SecurityLevel): number {
  return SecurityLevels.indexOf(level);
}
