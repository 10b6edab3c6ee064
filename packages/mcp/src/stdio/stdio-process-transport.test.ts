import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { isPlainResult } from './stdio-process-transport.js';

// The transport takes a plain result response without the SDK's zod union: it must accept
// only what the schema accepts, unchanged.
describe('isPlainResult', () => {
  const accepted = [
    '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}',
    '{"result":{},"id":"abc","jsonrpc":"2.0"}',
    '{"jsonrpc":"2.0","id":0,"result":{"structuredContent":{"a":1},"isError":false}}',
  ];
  const refused = [
    '{"jsonrpc":"2.0","id":1,"result":{},"extra":1}',
    '{"jsonrpc":"1.0","id":1,"result":{}}',
    '{"jsonrpc":"2.0","id":1.5,"result":{}}',
    '{"jsonrpc":"2.0","id":null,"result":{}}',
    '{"jsonrpc":"2.0","id":1,"result":[]}',
    '{"jsonrpc":"2.0","id":1,"result":"text"}',
    '{"jsonrpc":"2.0","id":1,"result":null}',
    '{"jsonrpc":"2.0","id":1,"result":{"_meta":{"progressToken":1}}}',
    '{"jsonrpc":"2.0","id":1,"result":{"_meta":"bad"}}',
    '{"jsonrpc":"2.0","result":{}}',
    '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    '{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}',
    '{"jsonrpc":"2.0","id":1,"__proto__":{},"result":{}}',
    '[1,2,3]',
    '"text"',
    'null',
  ];
  test.each(accepted)('takes %s as the schema does, unchanged', (line) => {
    const value: unknown = JSON.parse(line);
    expect(isPlainResult(value)).toBe(true);
    const parsed = JSONRPCMessageSchema.safeParse(value);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(value);
  });
  test.each(refused)('leaves %s to the schema', (line) => {
    expect(isPlainResult(JSON.parse(line))).toBe(false);
  });
});
