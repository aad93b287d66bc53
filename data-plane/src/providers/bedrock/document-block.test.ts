import { describe, expect, it } from 'vitest';
import { documentName, DocumentNames } from './document-block.js';

/** Converse's rule for document names. */
const VALID_NAME = /^(?!.*\s\s)[A-Za-z0-9\s\-()[\]]{1,200}$/;

describe('Converse document names', () => {
  it.each([
    ['report.pdf', 'report'],
    ['Q3_report.final.PDF', 'Q3-report-final'],
    ['  two   spaces\tand\ttabs.txt', 'two spaces and tabs'],
    ['Résumé (v2) [draft].docx', 'Resume (v2) [draft]'],
    ['..hidden', 'hidden'],
    ['報告書.pdf', 'Document'],
    ['', 'Document'],
    [undefined, 'Document'],
  ])('should turn %j into %j', (raw, expected) => {
    expect(documentName(raw)).toBe(expected);
    expect(documentName(raw)).toMatch(VALID_NAME);
  });

  it('should keep long names within 200 characters, suffix included', () => {
    const names = new DocumentNames();
    const long = `${'a'.repeat(300)}.pdf`;
    const first = names.take(long);
    const second = names.take(long);
    expect(first).toHaveLength(190);
    expect(second).toBe(`${first} (2)`);
    expect(second).toMatch(VALID_NAME);
  });

  it('should hand out names unique within a request, compared case-insensitively', () => {
    const names = new DocumentNames();
    expect(['a.pdf', 'A.txt', 'a', undefined, undefined].map((n) => names.take(n))).toEqual(['a', 'A (2)', 'a (3)', 'Document', 'Document (2)']);
  });
});
