import fs from 'node:fs';
import path from 'node:path';
import { convertIndentation, decode, detectEncoding, encode, fileConverterTool as tool } from './index.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

const bytes = (rel: string) => fs.readFileSync(path.join(sb.dir, rel));

describe('file_converter: encoding', () => {
  it('converts utf8 to utf16le with a BOM and back, auto-detecting the BOM', async () => {
    sb.file('t.txt', 'héllo €');
    const r = await sb.run(tool, { operation: 'encoding', path: 't.txt', to_encoding: 'utf-16le', add_bom: true });
    expect(r.result).toMatchObject({ from_encoding: 'utf8', to_encoding: 'utf16le', detected: true });
    expect([...bytes('t.txt').subarray(0, 4)]).toEqual([0xff, 0xfe, 0x68, 0x00]);
    const back = await sb.run(tool, { operation: 'convert_encoding', source_path: 't.txt', to_encoding: 'utf8' });
    expect(back.result).toMatchObject({ from_encoding: 'utf16le', to_encoding: 'utf8' });
    expect(bytes('t.txt').toString('utf8')).toBe('héllo €');
  });

  it('writes utf16be and reads it back', async () => {
    sb.file('be.txt', 'AB');
    await sb.run(tool, { operation: 'encoding', path: 'be.txt', to_encoding: 'utf16be', add_bom: true });
    expect([...bytes('be.txt')]).toEqual([0xfe, 0xff, 0x00, 0x41, 0x00, 0x42]);
    expect(decode(bytes('be.txt')).text).toBe('AB');
  });

  it('reads latin1 / iso-8859-1 and windows-1252 bytes', async () => {
    sb.file('l1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in latin1
    await sb.run(tool, { operation: 'encoding', path: 'l1.txt', from_encoding: 'iso-8859-1', to_encoding: 'utf8', target_path: 'l1-utf8.txt' });
    expect(sb.read('l1-utf8.txt')).toBe('café');
    expect([...bytes('l1.txt')]).toEqual([0x63, 0x61, 0x66, 0xe9]); // original untouched
    sb.file('w.txt', Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94])); // € “q” in windows-1252
    const r = await sb.run(tool, { operation: 'encoding', path: 'w.txt', to_encoding: 'utf8' });
    expect(r.result).toMatchObject({ from_encoding: 'windows-1252', detected: true });
    expect(sb.read('w.txt')).toBe('€ “q”');
    await sb.run(tool, { operation: 'encoding', path: 'w.txt', to_encoding: 'cp1252' });
    expect([...bytes('w.txt')]).toEqual([0x80, 0x20, 0x93, 0x71, 0x94]);
  });

  it('counts characters ascii cannot hold', async () => {
    sb.file('a.txt', 'naïve ☃');
    const r = await sb.run(tool, { operation: 'encoding', path: 'a.txt', to_encoding: 'ascii' });
    expect(r.result).toMatchObject({ replaced_characters: 2 });
    expect(sb.read('a.txt')).toBe('na?ve ?');
  });

  it('rejects unknown encodings and a missing to_encoding by name', async () => {
    sb.file('a.txt', 'x');
    const e = await expectCode(sb.run(tool, { operation: 'encoding', path: 'a.txt', to_encoding: 'ebcdic' }), 'INVALID_ARGUMENT');
    expect(e.message).toContain("'to_encoding'");
    const e2 = await expectCode(sb.run(tool, { operation: 'encoding', path: 'a.txt' }), 'INVALID_ARGUMENT');
    expect(e2.message).toContain("'to_encoding'");
  });

  it('detects encodings', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toEqual({ encoding: 'utf8', bomLength: 3 });
    expect(detectEncoding(Buffer.from('plain'))).toEqual({ encoding: 'utf8', bomLength: 0 });
    expect(detectEncoding(Buffer.from([0xe9]))).toEqual({ encoding: 'windows-1252', bomLength: 0 });
    expect(encode('é', 'latin1').bytes).toEqual(Buffer.from([0xe9]));
  });
});

describe('file_converter: line endings and indentation', () => {
  it('converts between lf, crlf and cr, keeping the encoding', async () => {
    sb.file('le.txt', 'a\r\nb\nc\rd');
    const r = await sb.run(tool, { operation: 'line_endings', path: 'le.txt', line_ending: 'lf' });
    expect(sb.read('le.txt')).toBe('a\nb\nc\nd');
    expect(r.result).toMatchObject({ lines_changed: 2 });
    await sb.run(tool, { operation: 'line_endings', path: 'le.txt', line_ending: 'crlf' });
    expect(sb.read('le.txt')).toBe('a\r\nb\r\nc\r\nd');
    await sb.run(tool, { operation: 'line_endings', path: 'le.txt', line_ending: 'CR' });
    expect(sb.read('le.txt')).toBe('a\rb\rc\rd');
    await expectCode(sb.run(tool, { operation: 'line_endings', path: 'le.txt', line_ending: 'nl' }), 'INVALID_ARGUMENT');
    sb.file('u16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x\r\ny', 'utf16le')]));
    await sb.run(tool, { operation: 'line_endings', path: 'u16.txt', line_ending: 'lf' });
    expect(bytes('u16.txt')).toEqual(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x\ny', 'utf16le')]));
  });

  it('converts leading tabs to spaces and back', async () => {
    sb.file('i.py', '\tdef f():\n\t\treturn "\tkeep"\n  \tmixed\n');
    await sb.run(tool, { operation: 'indentation', path: 'i.py', tab_size: 4 });
    expect(sb.read('i.py')).toBe('    def f():\n        return "\tkeep"\n    mixed\n');
    await sb.run(tool, { operation: 'indentation', path: 'i.py', convert_to_spaces: false, tab_size: 4 });
    expect(sb.read('i.py')).toBe('\tdef f():\n\t\treturn "\tkeep"\n\tmixed\n');
    expect(convertIndentation('      x', false, 4).text).toBe('\t  x');
  });

  it('refuses paths outside the sandbox', async () => {
    fs.writeFileSync(path.join(sb.outside, 'o.txt'), 'x');
    await expectCode(sb.run(tool, { operation: 'line_endings', path: '../outside/o.txt', line_ending: 'lf' }), 'PATH_NOT_ALLOWED');
    sb.file('in.txt', 'x');
    await expectCode(sb.run(tool, { operation: 'line_endings', path: 'in.txt', target_path: '../outside/p.txt', line_ending: 'lf' }), 'PATH_NOT_ALLOWED');
    expect(fs.readdirSync(sb.outside)).toEqual(['o.txt']);
  });
});
