import { describe, expect, it } from 'vitest';
import { logFormatFromEnv, logLine } from './log-line.js';

describe('log lines', () => {
  it('writes text as the message and its fields, errors as their message', () => {
    expect(logLine('text', 'data-plane', 'info', 'listening')).toBe('listening');
    expect(logLine('text', 'data-plane', 'error', 'failed', { error: new Error('boom'), id: 3 })).toBe('failed {"error":"boom","id":3}');
  });

  it('writes JSON as one object per line: time, level, service, message, then the fields, never overwriting those four', () => {
    const line = logLine('json', 'control-plane', 'warn', 'slow "query"\nsecond line', { error: new Error('timeout'), level: 'mine', ms: 1200 });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'warn', service: 'control-plane', msg: 'slow "query"\nsecond line', error: 'timeout', 'field.level': 'mine', ms: 1200 });
  });

  it('reads the format from TOLLGATE_LOG_FORMAT, text by default, and names the variable for anything else', () => {
    expect(logFormatFromEnv({})).toBe('text');
    expect(logFormatFromEnv({ TOLLGATE_LOG_FORMAT: ' JSON ' })).toBe('json');
    expect(() => logFormatFromEnv({ TOLLGATE_LOG_FORMAT: 'logfmt' })).toThrow("TOLLGATE_LOG_FORMAT must be json or text, got 'logfmt'");
  });
});
