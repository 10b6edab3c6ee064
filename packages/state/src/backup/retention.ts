import type { BackupMetadata } from './backup-format.js';

export type RetentionPriority = 'critical' | 'important' | 'standard' | 'low';

export interface RetentionDecision {
  backup_id: string;
  should_retain: boolean;
  priority: RetentionPriority;
  reason: string;
}

export interface RetentionLimits {
  /** Keep at most this many (0 = no limit). */
  maxBackups: number;
  /** Delete backups older than this many seconds (0 = no limit). */
  maxBackupAgeSeconds: number;
}

/**
 * Decides which backups to keep. A backup is kept when it is within BOTH the count and the
 * age limit (the reference OR-ed them, so either limit alone never removed anything), or
 * when it is important: the newest full backup (so a restore point always exists), a backup
 * marked important, a backup named in `keep`, or a parent of any kept backup (an incremental is
 * useless without its chain).
 */
export function decideRetention(backups: BackupMetadata[], limits: RetentionLimits, now: number, keep: readonly string[] = []): RetentionDecision[] {
  const newestFirst = [...backups].sort(compareNewestFirst);
  const byId = new Map(newestFirst.map((b) => [b.id, b]));
  const decisions = new Map<string, RetentionDecision>();
  const newestFull = newestFirst.find((b) => b.backup_type === 'full');
  newestFirst.forEach((b, rank) => {
    const age = (now - Date.parse(b.created_at)) / 1000;
    const withinCount = limits.maxBackups === 0 || rank < limits.maxBackups;
    const withinAge = limits.maxBackupAgeSeconds === 0 || age <= limits.maxBackupAgeSeconds;
    let decision: RetentionDecision;
    if (b === newestFull) decision = { backup_id: b.id, should_retain: true, priority: 'critical', reason: 'newest full backup' };
    else if (keep.includes(b.id)) decision = { backup_id: b.id, should_retain: true, priority: 'critical', reason: 'in use by the current operation' };
    else if (b.important) decision = { backup_id: b.id, should_retain: true, priority: 'important', reason: 'marked important' };
    else if (withinCount && withinAge) {
      const half = limits.maxBackups === 0 ? Infinity : limits.maxBackups / 2;
      decision = { backup_id: b.id, should_retain: true, priority: rank < half ? 'important' : 'standard', reason: `within limits (rank ${rank + 1}, ${Math.round(age)}s old)` };
    } else {
      const why = [!withinCount ? `beyond max_backups ${limits.maxBackups} (rank ${rank + 1})` : '', !withinAge ? `older than max_backup_age ${limits.maxBackupAgeSeconds}s` : ''].filter(Boolean).join('; ');
      decision = { backup_id: b.id, should_retain: false, priority: 'low', reason: why };
    }
    decisions.set(b.id, decision);
  });
  // Keep the chain of every kept backup.
  for (const b of newestFirst) {
    if (!decisions.get(b.id)?.should_retain) continue;
    // A parent chain that loops back (a hand-edited or corrupt .meta) must end the walk, not spin.
    const seen = new Set<string>([b.id]);
    let parent = b.parent_id ? byId.get(b.parent_id) : undefined;
    while (parent && !seen.has(parent.id)) {
      seen.add(parent.id);
      const d = decisions.get(parent.id) as RetentionDecision;
      if (!d.should_retain) decisions.set(parent.id, { backup_id: parent.id, should_retain: true, priority: 'important', reason: `parent of kept backup ${b.id}` });
      parent = parent.parent_id ? byId.get(parent.parent_id) : undefined;
    }
  }
  return newestFirst.map((b) => decisions.get(b.id) as RetentionDecision);
}

export function compareNewestFirst(a: BackupMetadata, b: BackupMetadata): number {
  const t = Date.parse(b.created_at) - Date.parse(a.created_at);
  return t !== 0 ? t : b.sequence - a.sequence;
}
