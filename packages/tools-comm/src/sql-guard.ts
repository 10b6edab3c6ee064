import { LlmspellError } from '@llmspell/core';

export type SqlKind = 'read' | 'write' | 'ddl';

const READ = new Set(['SELECT', 'WITH', 'EXPLAIN', 'SHOW', 'VALUES', 'TABLE', 'DESCRIBE', 'DESC']);
const WRITE = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'UPSERT', 'MERGE']);
const DDL = new Set(['CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'GRANT', 'REVOKE', 'ATTACH', 'DETACH', 'VACUUM', 'COPY', 'PRAGMA', 'REINDEX', 'RENAME', 'COMMENT', 'CALL', 'DO', 'LOAD', 'SET', 'RESET', 'LOCK', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite';

/**
 * How one server may read quoted text. Backslash escapes depend on server settings a client does
 * not see (PostgreSQL's standard_conforming_strings, MySQL's NO_BACKSLASH_ESCAPES and
 * ANSI_QUOTES), and the same text splits into statements differently under each.
 */
interface Lexing {
  dialect: SqlDialect;
  /** `\` escapes in '…' (PostgreSQL: only with standard_conforming_strings = off; E'…' always has them). */
  backslashSingle: boolean;
  /** `\` escapes in "…" (MySQL, where "…" is a string unless ANSI_QUOTES). */
  backslashDouble: boolean;
  /** MySQL runs a versioned executable comment (`/*!NNNNN`) only on servers of that version or later; a comment otherwise. */
  versionedCommentIsCode?: boolean;
}

const LEXINGS: Record<SqlDialect, readonly Lexing[]> = {
  postgresql: [
    { dialect: 'postgresql', backslashSingle: false, backslashDouble: false },
    { dialect: 'postgresql', backslashSingle: true, backslashDouble: false },
  ],
  mysql: [true, false].flatMap((versionedCommentIsCode) => [
    { dialect: 'mysql', backslashSingle: true, backslashDouble: true, versionedCommentIsCode },
    { dialect: 'mysql', backslashSingle: true, backslashDouble: false, versionedCommentIsCode },
    { dialect: 'mysql', backslashSingle: false, backslashDouble: false, versionedCommentIsCode },
  ] as const),
  sqlite: [{ dialect: 'sqlite', backslashSingle: false, backslashDouble: false }],
};

/** PostgreSQL identifier characters (a `$` inside an identifier, `foo$a$`, is not a dollar quote). */
const PG_IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const PG_IDENT_CONT = /[A-Za-z0-9_$\u0080-\uffff]/;
const PG_DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;
const PG_NUMBER = /^(?:0[xX][0-9A-Fa-f_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?)/;

/** Index after the quoted text opened at `start` (`''` doubling unless `doubling` is false; `\x` skipped when `backslash`). */
function endOfQuoted(sql: string, start: number, quote: string, backslash: boolean, doubling = true): number {
  let j = start + 1;
  while (j < sql.length) {
    if (backslash && sql[j] === '\\') j += 2;
    else if (doubling && sql[j] === quote && sql[j + 1] === quote) j += 2;
    else if (sql[j] === quote) return j + 1;
    else j++;
  }
  return sql.length;
}

/** Index after the block comment opened at `start`; PostgreSQL's nest, a comment inside one is opened and closed within it. */
function endOfBlockComment(sql: string, start: number, nested: boolean): number {
  let depth = 1;
  let j = start + 2;
  while (j < sql.length) {
    if (sql[j] === '*' && sql[j + 1] === '/') {
      j += 2;
      if (--depth === 0 || !nested) return j;
    } else if (nested && sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else j++;
  }
  return sql.length;
}

/** `sql` as one server setting reads it, with comments and quoted text blanked out. */
function strip(sql: string, lx: Lexing): string {
  const pg = lx.dialect === 'postgresql';
  const mysql = lx.dialect === 'mysql';
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    // MySQL needs a space or control character after `--` (`1--1` is 1 minus -1) and has `#`
    // comments; PostgreSQL also ends a comment at a lone carriage return.
    if ((c === '-' && next === '-' && (!mysql || i + 2 >= sql.length || sql.charCodeAt(i + 2) <= 32 || sql.charCodeAt(i + 2) === 127)) || (mysql && c === '#')) {
      while (i < sql.length && sql[i] !== '\n' && !(pg && sql[i] === '\r')) i++;
      out += ' ';
    } else if (c === '/' && next === '*') {
      const marker = mysql ? /^\/\*(M?)!([0-9]*)/.exec(sql.slice(i, i + 16)) : null;
      if (marker && (marker[2] === '' || lx.versionedCommentIsCode)) {
        // MySQL runs what is inside `/*! … */`: it is code, not a comment.
        i += marker[0].length;
        out += ' ';
      } else {
        i = endOfBlockComment(sql, i, pg);
        out += ' ';
      }
    } else if (mysql && c === '*' && next === '/') {
      out += ' '; // the end of an executable comment
      i += 2;
    } else if (c === "'") {
      i = endOfQuoted(sql, i, "'", lx.backslashSingle);
      out += "''";
    } else if (c === '"') {
      i = endOfQuoted(sql, i, '"', mysql && lx.backslashDouble);
      out += ' x ';
    } else if (c === '`' && !pg) {
      i = endOfQuoted(sql, i, '`', false);
      out += ' x ';
    } else if (c === '[' && lx.dialect === 'sqlite') {
      const end = sql.indexOf(']', i + 1);
      i = end < 0 ? sql.length : end + 1;
      out += ' x ';
    } else if (pg && PG_IDENT_START.test(c)) {
      // A whole identifier at once, so a `$` inside it is not taken for a dollar quote.
      let j = i + 1;
      while (j < sql.length && PG_IDENT_CONT.test(sql[j])) j++;
      const word = sql.slice(i, j);
      if (sql[j] === "'" && /^[EeBbXx]$/.test(word)) {
        // E'…' has backslash escapes whatever the settings; bit strings B'…' / X'…' have neither
        // escapes nor doubled quotes (B'0''1' is B'0' then '1').
        const escaped = word === 'E' || word === 'e';
        i = endOfQuoted(sql, j, "'", escaped, escaped);
        out += " ''";
      } else {
        out += word;
        i = j;
      }
    } else if (pg && /[0-9.]/.test(c) && PG_NUMBER.test(sql.slice(i, i + 64))) {
      const number = sql.slice(i).match(PG_NUMBER)![0];
      out += number;
      i += number.length;
    } else if (pg && c === '$') {
      const param = sql.slice(i).match(/^\$[0-9]+/)?.[0];
      const tag = param ? undefined : sql.slice(i, i + 64).match(PG_DOLLAR_TAG)?.[0];
      if (param) {
        out += param;
        i += param.length;
      } else if (tag) {
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
 * SQL with comments and quoted text blanked out, so keywords inside them do not count, read as
 * the dialect's server reads it with its default settings.
 */
export function stripSql(sql: string, dialect: SqlDialect = 'postgresql'): string {
  return strip(sql, LEXINGS[dialect][0]);
}

/** Every way the dialect's servers may read `sql` (one per setting that changes quoting); without a dialect, every dialect's. */
function readings(sql: string, dialect?: SqlDialect): string[] {
  const lexings = dialect ? LEXINGS[dialect] : Object.values(LEXINGS).flat();
  return [...new Set(lexings.map((lx) => strip(sql, lx)))];
}

/**
 * Classifies one SQL statement and refuses what the database's settings do not allow: more
 * than one statement, writes without `allow_write`, schema changes without `allow_ddl`. Text
 * that server settings could split differently is judged by its strictest reading. The
 * database-side guard (read-only connections or transactions) backs this up.
 */
export function classifySql(sql: string, allow: { write: boolean; ddl: boolean }, dialect?: SqlDialect): SqlKind {
  const stripped = readings(sql, dialect).map((r) => r.trim().replace(/;\s*$/, ''));
  if (stripped.every((r) => r === '')) throw new LlmspellError('INVALID_ARGUMENT', "database_connector: parameter 'query' is empty");
  if (stripped.some((r) => r.includes(';'))) {
    throw new LlmspellError('INVALID_ARGUMENT', "database_connector: parameter 'query' must hold a single statement (found ';')");
  }
  const wordsOf = (r: string): string[] => r.toUpperCase().match(/[A-Z_]+/g) ?? [];
  const firsts = new Set(stripped.map((r) => wordsOf(r)[0] ?? ''));
  if (firsts.size > 1) {
    throw new LlmspellError('INVALID_ARGUMENT', `database_connector: parameter 'query' reads as different statements depending on server settings (${[...firsts].join(', ')}); bind values with params instead of quoting them`);
  }
  const words = stripped.flatMap(wordsOf);
  const first = [...firsts][0];
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
  const words: string[] = stripSql(sql, 'sqlite').toUpperCase().match(/[A-Z_]+/g) ?? [];
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
