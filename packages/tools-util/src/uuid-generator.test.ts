import { uuidGenerator } from './index.js';
import { expectToolFailure, toolResult } from '@llmspell/core/testing';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuid_generator', () => {
  it('generates v4 by default in the standard format', async () => {
    const r = await toolResult(uuidGenerator, {});
    expect(r).toMatchObject({ version: 'v4', format: 'hyphenated' });
    expect(r.uuid).toMatch(V4);
    const again = await toolResult(uuidGenerator, { operation: 'generate' });
    expect(again.uuid).not.toBe(r.uuid);
  });

  it('formats as simple, urn and braced', async () => {
    expect((await toolResult(uuidGenerator, { format: 'simple' })).uuid).toMatch(/^[0-9a-f]{32}$/);
    expect((await toolResult(uuidGenerator, { format: 'urn' })).uuid).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect((await toolResult(uuidGenerator, { format: 'braced' })).uuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
    expect((await toolResult(uuidGenerator, { format: 'hyphenated' })).uuid).toMatch(V4);
  });

  it('generates RFC 4122 v1 UUIDs with the right time and increasing order', async () => {
    const before = Date.now();
    const a = (await toolResult(uuidGenerator, { version: 'v1' })).uuid as string;
    const b = (await toolResult(uuidGenerator, { version: '1' })).uuid as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ticks = (u: string) => BigInt(`0x${u.slice(15, 18)}${u.slice(9, 13)}${u.slice(0, 8)}`);
    const ms = Number(ticks(a) / 10000n - 12219292800000n);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(ticks(b) > ticks(a)).toBe(true);
  });

  it('generates v5 from namespace and name like RFC 4122 (python uuid5 reference value)', async () => {
    const r = await toolResult(uuidGenerator, { operation: 'generate', version: 'v5', namespace: 'dns', name: 'python.org' });
    // uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    expect(r.uuid).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    const url = await toolResult(uuidGenerator, { version: '5', namespace: '6ba7b811-9dad-11d1-80b4-00c04fd430c8', name: 'https://example.com' });
    const url2 = await toolResult(uuidGenerator, { version: 'v5', namespace: 'url', name: 'https://example.com' });
    expect(url.uuid).toBe(url2.uuid);
  });

  it('makes component ids with prefix and short form', async () => {
    const r = await toolResult(uuidGenerator, { operation: 'component_id', prefix: 'agent' });
    expect(r.id).toMatch(/^agent_[0-9a-f-]{36}$/);
    expect(r).toMatchObject({ prefix: 'agent', short: false });
    const s = await toolResult(uuidGenerator, { operation: 'component_id', prefix: 'tool', short: true });
    expect(s.id).toMatch(/^tool_[0-9a-f]{8}$/);
    expect((await toolResult(uuidGenerator, { operation: 'component_id' })).id).toMatch(/^component_/);
  });

  it('makes deterministic ids (same input, same id)', async () => {
    const a = await toolResult(uuidGenerator, { operation: 'deterministic', namespace: 'workflow', name: 'etl' });
    const b = await toolResult(uuidGenerator, { operation: 'deterministic', namespace: 'workflow', name: 'etl' });
    const c = await toolResult(uuidGenerator, { operation: 'deterministic', namespace: 'agent', name: 'etl' });
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    expect(a).toMatchObject({ namespace: 'workflow', name: 'etl' });
  });

  it('builds custom ids from prefix, timestamp, short uuid and suffix', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await toolResult(uuidGenerator, { operation: 'custom', prefix: 'job', timestamp: true, short: true, suffix: 'v2' });
    const m = /^job_(\d+)_([0-9a-f]{8})_v2$/.exec(r.id);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - now)).toBeLessThanOrEqual(2);
    expect((await toolResult(uuidGenerator, { operation: 'custom' })).id).toMatch(V4);
  });

  it('validates UUIDs, reporting version and variant', async () => {
    expect(await toolResult(uuidGenerator, { operation: 'validate', uuid: '550e8400-e29b-41d4-a716-446655440000' }))
      .toMatchObject({ valid: true, version: 'v4', variant: 'RFC4122' });
    expect(await toolResult(uuidGenerator, { operation: 'validate', uuid: 'urn:uuid:886313E1-3B8A-5372-9B90-0C9AEE199E5D' }))
      .toMatchObject({ valid: true, version: 'v5', uuid: '886313e1-3b8a-5372-9b90-0c9aee199e5d' });
    expect(await toolResult(uuidGenerator, { operation: 'validate', uuid: '00000000-0000-0000-0000-000000000000' })).toMatchObject({ valid: true, nil: true, version: null });
    expect(await toolResult(uuidGenerator, { operation: 'validate', uuid: 'not-a-uuid' })).toMatchObject({ valid: false });
    expect(await toolResult(uuidGenerator, { operation: 'validate', uuid: '550e8400-e29b41d4-a716-446655440000' })).toMatchObject({ valid: false });
  });

  it('accepts the DOC operations v4/v5 as generate', async () => {
    expect((await toolResult(uuidGenerator, { operation: 'v4' })).uuid).toMatch(V4);
    expect((await toolResult(uuidGenerator, { operation: 'v5', name: 'python.org' })).uuid).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('rejects bad parameters naming them', async () => {
    await expectToolFailure(uuidGenerator, { version: 'v7' }, 'INVALID_ARGUMENT', 'version');
    await expectToolFailure(uuidGenerator, { version: 'v5' }, 'INVALID_ARGUMENT', 'name');
    await expectToolFailure(uuidGenerator, { version: 'v5', name: 'x', namespace: 'nope' }, 'INVALID_ARGUMENT', 'namespace');
    await expectToolFailure(uuidGenerator, { version: 'v5', name: 'x', namespace: 'constructor' }, 'INVALID_ARGUMENT', 'namespace');
    await expectToolFailure(uuidGenerator, { operation: 'validate' }, 'INVALID_ARGUMENT', 'uuid');
    await expectToolFailure(uuidGenerator, { operation: 'deterministic' }, 'INVALID_ARGUMENT', 'name');
    await expectToolFailure(uuidGenerator, { format: 'base32' }, 'INVALID_ARGUMENT', 'format');
    await expectToolFailure(uuidGenerator, { short: 'yes' }, 'INVALID_ARGUMENT', 'short');
  });
});
