import { normaliseMessageId } from './message-id';
import { formatReceiptText, parseDeliveryReceipt } from './receipt-parser';

describe('delivery receipts (SMPP 3.4 Appendix B, §5.3.2.12/.35)', () => {
  const text =
    'id:1234567890 sub:001 dlvrd:001 submit date:2611212330 done date:2611212331 stat:DELIVRD err:000 text:';

  it('reads the text form', () => {
    expect(parseDeliveryReceipt({ esm_class: 0x04, short_message: { message: text } })).toEqual({
      messageId: '1234567890',
      state: 'delivered',
      stat: 'DELIVRD',
      error: '000',
    });
  });

  it('prefers the receipted_message_id and message_state TLVs', () => {
    const r = parseDeliveryReceipt({
      esm_class: 0x04,
      receipted_message_id: '499602d2',
      message_state: 5,
      short_message: Buffer.from(text, 'latin1'),
    });
    expect(r).toMatchObject({ messageId: '499602d2', state: 'failed', stat: 'UNDELIV' });
  });

  it.each([
    ['UNDELIV', 'failed'],
    ['EXPIRED', 'failed'],
    ['REJECTD', 'failed'],
    ['DELETED', 'failed'],
    ['ENROUTE', 'pending'],
    ['ACCEPTD', 'pending'],
  ])('stat:%s is %s', (stat, state) => {
    expect(
      parseDeliveryReceipt({ esm_class: 4, short_message: `id:1 stat:${stat} err:001` })?.state,
    ).toBe(state);
  });

  it('is undefined for a mobile-originated deliver_sm', () => {
    expect(parseDeliveryReceipt({ esm_class: 0, short_message: 'hello id:1' })).toBeUndefined();
  });

  it('formats what it parses', () => {
    const t = formatReceiptText({
      messageId: 'ab12',
      stat: 'DELIVRD',
      submitDate: new Date(0),
      doneDate: new Date(0),
    });
    expect(t).toBe(
      'id:ab12 sub:001 dlvrd:001 submit date:7001010000 done date:7001010000 stat:DELIVRD err:000 text:',
    );
    expect(parseDeliveryReceipt({ esm_class: 4, short_message: t })?.messageId).toBe('ab12');
  });

  it('normalises hex and decimal forms of one id to the same value', () => {
    expect(normaliseMessageId('499602D2', 'hex')).toBe('1234567890');
    expect(normaliseMessageId('1234567890', 'decimal')).toBe('1234567890');
    expect(normaliseMessageId('0001234567890', 'decimal')).toBe('1234567890');
    expect(normaliseMessageId(' abc-1 ', 'text')).toBe('abc-1');
    // not numeric in the announced base: kept as text rather than guessed
    expect(normaliseMessageId('xyz', 'hex')).toBe('xyz');
  });
});
