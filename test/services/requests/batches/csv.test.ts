import { MAX_BATCH_ROWS, parseInviteCsv } from '../../../../services/requests/batches/csv';

describe('parseInviteCsv', () => {
  it('reads the columns by their header names, groups split on semicolons, with the line each row starts on', () => {
    const result = parseInviteCsv(
      '\uFEFFdisplayName,Email,groups,until\nAda,ada@fabrikam.example,"Project X; Readers",2030-01-31\n"Line\nbreak",lb@fabrikam.example,,\n\nBo,bo@fabrikam.example,,\n',
    );
    expect(result).toEqual({
      ok: true,
      rows: [
        { line: 2, email: 'ada@fabrikam.example', displayName: 'Ada', groups: ['Project X', 'Readers'], message: '', until: '2030-01-31' },
        { line: 3, email: 'lb@fabrikam.example', displayName: 'Line\nbreak', groups: [], message: '', until: '' },
        { line: 6, email: 'bo@fabrikam.example', displayName: 'Bo', groups: [], message: '', until: '' },
      ],
    });
  });

  it('names the line with the wrong number of fields', () => {
    expect(parseInviteCsv('email,displayName\na@fabrikam.example,A\nb@fabrikam.example,B,extra\n')).toEqual({
      ok: false,
      message: expect.stringMatching(/^Line 3 has a different number of fields/),
    });
  });

  it('names the line of a quote that is never closed', () => {
    const result = parseInviteCsv('email,displayName\na@fabrikam.example,"A\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/quoted value is never closed/);
  });

  it('refuses an unknown column and a missing required one on line 1', () => {
    expect(parseInviteCsv('email,name\na@b.example,A\n')).toEqual({ ok: false, message: expect.stringContaining('Line 1: "name" is not a column') });
    expect(parseInviteCsv('email,groups\na@b.example,G\n')).toEqual({ ok: false, message: 'Line 1: the file needs the column displayName.' });
  });

  it(`refuses more than ${MAX_BATCH_ROWS} rows, an empty file and a header alone`, () => {
    const many = ['email,displayName', ...Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => `g${i}@fabrikam.example,G ${i}`)].join('\n');
    expect(parseInviteCsv(many)).toEqual({
      ok: false,
      message: expect.stringContaining(`has ${MAX_BATCH_ROWS + 1} guests; one batch takes at most ${MAX_BATCH_ROWS}`),
    });
    expect(parseInviteCsv('').ok).toBe(false);
    expect(parseInviteCsv('email,displayName\n')).toEqual({ ok: false, message: 'The file has a header but no guests.' });
  });

  it('refuses a file over the size cap before parsing it', () => {
    const result = parseInviteCsv(`email,displayName\n${'x'.repeat(1024 * 1024 + 1)}`);
    expect(!result.ok && result.message).toMatch(/larger than 1 MB/);
  });
});
