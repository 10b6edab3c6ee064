import { LlmspellError } from '@llmspell/core';

export type SqlKind = 'read' | 'write' | 'ddl';

const READ = new Set(['SELECT', 'WITH', 'EXPLAIN', 'SHOW', 'VALUES', 'TABLE', 'DESCRIBE', 'DESC']);
const WRITE = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'UPSERT', 'MERGE']);
const DDL = new Set(['CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'GRANT', 'REVOKE', 'ATTACH', 'DETACH', 'VACUUM', 'COPY', 'PRAGMA', 'REINDEX', 'RENAME', 'COMMENT', 'CALL', 'DO', 'LOAD', 'SET', 'RESET', 'LOCK', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/** SQL with comments and quoted text blanked out, so keywords inside them do not count. */
export function stripSql(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += ' ';
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      out += c === "'" ? "''" : ' x ';
      i = j + 1;
    } else if (c === '$' && /[A-Za-z_]*\$/.test(sql.slice(i + 1, i + 40))) {
      // PostgreSQL dollar quoting: $tag$ ... $tag$
      const tag = sql.slice(i).match(/^\$[A-Za-z_]*\$/)?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
        out += "''";
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Classifies one SQL statement and refuses what the database's settings do not allow: more
 * than one statement, writes without `allow_write`, schema changes without `allow_ddl`.
 * The database-side guard (read-only connections or transactions) backs this up.
 */
export function classifySql(sql: string, allow: { write: boolean; ddl: boolean }): SqlKind {
  const stripped = stripSql(sql).trim().replace(/;\s*$/, '');
  if (stripped === '') throw new LlmspellError('INVALID_ARGUMENT', "database_connector: parameter 'query' is empty");
  if (stripped.includes(';')) {
    throw new LlmspellError('INVALID_ARGUMENT', "database_connector: parameter 'query' must hold a single statement (found ';')");
  }
  const words: string[] = stripped.toUpperCase().match(/[A-Z_]+/g) ?? [];
  const first = words[0] ?? '';
  let kind: SqlKind;
  if (READ.has(first)) kind = 'read';
  else if (WRITE.has(first)) kind = 'write';
  else if (DDL.has(first)) kind = 'ddl';
  else throw new LlmspellError('INVALID_ARGUMENT', `database_connector: unsupported statement '${first}'`);
  // A read that smuggles a write (WITH x AS (DELETE …) SELECT …, SELECT … INTO).
  if (kind === 'read') {
    if (words.some((w) => DDL.has(w) && w !== 'SET' && w !== 'SHOW' && w !== 'DESC')) kind = 'ddl';
    else if (words.some((w) => WRITE.has(w)) || words.includes('INTO')) kind = 'write';
  }
  if (kind === 'write' && !allow.write) {
    throw new LlmspellError('OPERATION_NOT_ALLOWED', 'database_connector: write statements are refused for this database (set allow_write = true in its config)');
  }
  if (kind === 'ddl' && !allow.ddl) {
    throw new LlmspellError('OPERATION_NOT_ALLOWED', 'database_connector: schema-changing and session statements are refused for this database (set allow_ddl = true in its config)');
  }
  return kind;
}

const FILE_PRAGMAS = new Set(['TEMP_STORE_DIRECTORY', 'DATA_STORE_DIRECTORY']);

/**
 * SQLite statements that open, create or load files by name — `ATTACH 'file'`, `VACUUM INTO
 * 'file'`, `load_extension()`, the directory pragmas — are refused: SQLite would open those
 * paths itself, past the policy's roots and its verified open. An in-memory or temporary
 * attachment (`ATTACH ':memory:'` / `''`) touches no file and stays allowed. Each database is
 * configured (and checked) under [tools.database_connector.databases] instead.
 */
export function refuseSqliteFileAccess(sql: string): void {
  const words: string[] = stripSql(sql).toUpperCase().match(/[A-Z_]+/g) ?? [];
  const refuse = (what: string) => {
    throw new LlmspellError('PATH_NOT_ALLOWED', `database_connector: ${what} is refused: SQLite would open a file outside the policy's checks; configure each database under [tools.database_connector.databases]`, {
      details: { statement: what },
    });
  };
  if (words.includes('LOAD_EXTENSION')) refuse('load_extension()');
  if (words[0] === 'VACUUM' && words.includes('INTO')) refuse('VACUUM INTO');
  if (words[0] === 'PRAGMA' && words.some((w) => FILE_PRAGMAS.has(w))) refuse(`PRAGMA ${words.find((w) => FILE_PRAGMAS.has(w))!.toLowerCase()}`);
  if (words[0] === 'ATTACH' && !/^\s*ATTACH\s+(?:DATABASE\s+)?'(?::memory:)?'\s+AS\s+[A-Za-z_][A-Za-z0-9_]*\s*;?\s*$/i.test(sql)) {
    refuse('ATTACH of a database file');
  }
}
