import type { Tool } from '@llmspell/core';
import { databaseConnector } from './database-connector.js';
import { emailSender } from './email-sender.js';

export { databaseConnector } from './database-connector.js';
export { emailSender } from './email-sender.js';
export { signAwsRequest } from './aws-sigv4.js';
export type { AwsCredentials, SignInput } from './aws-sigv4.js';
export { classifySql, stripSql } from './sql-guard.js';
export type { SqlDialect, SqlKind } from './sql-guard.js';

/** Every communication tool. */
export const commTools: Tool[] = [emailSender, databaseConnector];
