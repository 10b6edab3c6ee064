type Answer = { action: 'accept'; content: Record<string, string | number | boolean | string[]> } | { action: 'decline' };

/**
 * The answer to a server's elicitation request when no one is asked: with `defaults`, a form
 * whose every required field has a default is accepted with the defaults; anything else
 * (a URL elicitation, a required field without a default, or `decline`) is declined, which
 * the spec lets a client do and a server must handle.
 */
export function elicitationAnswer(params: Record<string, unknown>, mode: 'defaults' | 'decline'): Answer {
  if (mode !== 'defaults' || (params.mode !== undefined && params.mode !== 'form')) return { action: 'decline' };
  const schema = params.requestedSchema as { properties?: Record<string, { default?: unknown }>; required?: string[] } | undefined;
  const properties = schema?.properties ?? {};
  const content: Record<string, string | number | boolean | string[]> = {};
  for (const [key, property] of Object.entries(properties)) {
    const value = property?.default;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') content[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) content[key] = value as string[];
  }
  if ((schema?.required ?? []).some((key) => !(key in content))) return { action: 'decline' };
  return { action: 'accept', content };
}
