import { SecurityPolicy, classifyPrivateAddress } from '../index.js';

/** Every IPv6 spelling of an IPv4 address that a resolver or a URL may hand us. */
function v6Encodings(v4: string): Record<string, string> {
  const [a, b, c, d] = v4.split('.').map(Number);
  const hi = ((a << 8) | b).toString(16);
  const lo = ((c << 8) | d).toString(16);
  const xhi = (((a << 8) | b) ^ 0xffff).toString(16);
  const xlo = (((c << 8) | d) ^ 0xffff).toString(16);
  return {
    'IPv4-mapped dotted': `::ffff:${v4}`,
    'IPv4-mapped hex': `::ffff:${hi}:${lo}`,
    'IPv4-mapped full, upper case': `0:0:0:0:0:FFFF:${hi.toUpperCase()}:${lo.toUpperCase()}`,
    'IPv4-compatible dotted': `::${v4}`,
    'IPv4-compatible hex': `::${hi}:${lo}`,
    'IPv4-translated dotted': `::ffff:0:${v4}`,
    'IPv4-translated hex': `::ffff:0:${hi}:${lo}`,
    'NAT64 dotted': `64:ff9b::${v4}`,
    'NAT64 hex': `64:ff9b::${hi}:${lo}`,
    '6to4 prefix': `2002:${hi}:${lo}::1`,
    '6to4 with subnet': `2002:${hi}:${lo}:beef:0:0:0:1`,
    'Teredo client (obfuscated)': `2001:0:4136:e378:8000:63bf:${xhi}:${xlo}`,
    'Teredo server': `2001:0:${hi}:${lo}:8000:63bf:f7f7:f7f7`,
    'with a zone id': `::ffff:${v4}%eth0`,
  };
}

describe('classifyPrivateAddress: IPv6 forms that embed an IPv4 address', () => {
  for (const [v4, why] of [['127.0.0.1', /loopback/], ['10.1.2.3', /private/], ['169.254.169.254', /link-local/], ['192.168.0.10', /private/]] as const) {
    for (const [form, ip] of Object.entries(v6Encodings(v4))) {
      it(`refuses ${v4} as ${form} (${ip})`, () => {
        const reason = classifyPrivateAddress(ip);
        expect(reason).toMatch(why);
        expect(reason).toContain(v4);
      });
    }
  }

  it('lets the same forms through when the embedded address is public', () => {
    for (const [form, ip] of Object.entries(v6Encodings('8.8.8.8'))) {
      expect([form, ip, classifyPrivateAddress(ip)]).toEqual([form, ip, null]);
    }
  });

  it('names the other reserved IPv6 ranges', () => {
    expect(classifyPrivateAddress('64:ff9b:1::a00:1')).toMatch(/local-use NAT64/);
    expect(classifyPrivateAddress('100::1')).toMatch(/discard/);
    expect(classifyPrivateAddress('2001:2::1')).toMatch(/benchmarking/);
    expect(classifyPrivateAddress('2001:10::1')).toMatch(/ORCHID/);
    expect(classifyPrivateAddress('2001:20::1')).toMatch(/ORCHID/);
    expect(classifyPrivateAddress('3fff::1')).toMatch(/documentation/);
    expect(classifyPrivateAddress('fd00:ec2::254')).toMatch(/unique local/);
    expect(classifyPrivateAddress('192.88.99.1')).toMatch(/6to4 relay/);
    // Public unicast stays public.
    expect(classifyPrivateAddress('2a00:1450:4001:80b::200e')).toBeNull();
    expect(classifyPrivateAddress('2001:4860:4860::8888')).toBeNull();
  });

  it('refuses every form in a URL too (the URL parser rewrites dotted tails to hex)', async () => {
    const policy = new SecurityPolicy();
    for (const ip of Object.values(v6Encodings('127.0.0.1')).filter((x) => !x.includes('%'))) {
      await expect(policy.checkUrl(`http://[${ip}]:8080/`)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    }
    for (const ip of Object.values(v6Encodings('169.254.169.254')).filter((x) => !x.includes('%'))) {
      await expect(policy.checkUrl(`http://[${ip}]/latest/meta-data/`)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    }
    const open = new SecurityPolicy({ allowPrivateNetwork: true });
    await expect(open.checkUrl('http://[::ffff:7f00:1]/')).resolves.toBeInstanceOf(URL);
  });
});
