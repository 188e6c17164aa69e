import fc from 'fast-check';
import { hex, vectorBytes, vectorsJson } from '../../../test/wap-push/vectors';
import {
  InMemoryConcatReferenceAllocator,
  SmsReassemblyError,
  WdpReassembler,
  WdpSegmentationError,
  parseUserData,
  reassembleSms,
  segmentCount,
  segmentWdpDatagram,
} from './index';

const wsp = vectorBytes('cp_wsp_push_netwpin');

describe('WDP over SMS segmentation (WAP-259 §6.5, 3GPP TS 23.040 §9.2.3.24)', () => {
  it('splits the 399-octet NETWPIN push into the 4 golden TP-UDs (8-bit ref 0x42)', () => {
    const segs = segmentWdpDatagram(wsp, { destPort: 2948, srcPort: 9200, concatRef: 0x42 });
    expect(segs.map((s) => hex(s.userData))).toEqual(
      [1, 2, 3, 4].map((n) => hex(vectorBytes(`cp_netwpin_sms_ud_seg${n}of4`))),
    );
    expect(segs.map((s) => s.payload.length)).toEqual([128, 128, 128, 15]);
    expect(hex(segs[0].udh)).toBe('0b05040b8423f000034204' + '01');
  });

  it('uses the 16-bit reference IE when asked (127 octets per segment)', () => {
    const segs = segmentWdpDatagram(wsp, { concatRef: 0x1234, ref16: true });
    const v = vectorsJson();
    expect(segs).toHaveLength(v.cp_netwpin_sms_16bitref_segment_count);
    expect(hex(segs[0].udh)).toBe(v.cp_netwpin_sms_16bitref_seg1_udh);
    expect(segs[0].payload.length).toBe(127);
  });

  it.each([
    'v11_ui0_empty',
    'v11_ui0_nonce16',
    'v12_ui0_empty',
    'v12_ui0_nonce16',
    'v11_ui1_nonce16',
  ])('DM %s fits one SMS with ports only (UDH 06 05 04 0B 84 23 F0)', (name) => {
    const segs = segmentWdpDatagram(vectorBytes(`dm_pkg0_${name}_wsp_push`));
    expect(segs).toHaveLength(1);
    expect(hex(segs[0].userData)).toBe(hex(vectorBytes(`dm_pkg0_${name}_sms_ud`)));
  });

  it('honours a configured source port (Kannel sends 2948)', () => {
    const [s] = segmentWdpDatagram(Uint8Array.of(1), { srcPort: 2948 });
    expect(hex(s.udh)).toBe('0605040b840b84');
  });

  it('segment count boundaries: 133 single, 134 → two, 255 × 128 max', () => {
    expect(segmentCount(133)).toBe(1);
    expect(segmentCount(134)).toBe(2);
    expect(segmentCount(255 * 128)).toBe(255);
    expect(segmentCount(255 * 128 + 1)).toBe(256);
    expect(segmentCount(255 * 127, true)).toBe(255);
  });

  it('segment → reassemble is the identity for every length up to the 255-segment maximum', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 255 * 127 }),
        fc.integer(),
        (ref16, ref, length, seed) => {
          const payload = new Uint8Array(length);
          for (let i = 0; i < length; i++) payload[i] = (i * 31 + seed) & 0xff;
          const concatRef = ref16 ? ref : ref & 0xff;
          const segs = segmentWdpDatagram(payload, { concatRef, ref16 });
          for (const s of segs) expect(s.userData.length).toBeLessThanOrEqual(140);
          const shuffled = [...segs].reverse().map((s) => s.userData);
          const d = reassembleSms(shuffled);
          expect(Buffer.compare(Buffer.from(d.payload), Buffer.from(payload))).toBe(0);
          expect(d.destPort).toBe(2948);
          expect(d.srcPort).toBe(9200);
          expect(d.segmentCount).toBe(segs.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('covers the exact 255-segment maximum (8-bit: 32,640 octets)', () => {
    const payload = new Uint8Array(255 * 128).map((_, i) => i & 0xff);
    const segs = segmentWdpDatagram(payload, { concatRef: 7 });
    expect(segs).toHaveLength(255);
    expect(hex(reassembleSms(segs.map((s) => s.userData)).payload)).toBe(hex(payload));
  });

  it('rejects datagrams beyond 255 segments, missing or bad references and ports', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as WdpSegmentationError;
      }
      throw new Error('expected an error');
    };
    expect(
      err(() => segmentWdpDatagram(new Uint8Array(255 * 128 + 1), { concatRef: 1 })).code,
    ).toBe('WDP_TOO_LARGE');
    expect(err(() => segmentWdpDatagram(new Uint8Array(200))).code).toBe('WDP_CONCAT_REF_REQUIRED');
    expect(err(() => segmentWdpDatagram(new Uint8Array(200), { concatRef: 256 })).code).toBe(
      'WDP_INVALID_OPTIONS',
    );
    expect(err(() => segmentWdpDatagram(new Uint8Array(1), { destPort: 70000 })).code).toBe(
      'WDP_INVALID_OPTIONS',
    );
  });
});

describe('SMS reassembly (for the simulated handset)', () => {
  const segs = segmentWdpDatagram(wsp, { concatRef: 0x42 }).map((s) => s.userData);

  it('parses the UDH of a golden segment', () => {
    const p = parseUserData(vectorBytes('cp_netwpin_sms_ud_seg2of4'));
    expect(p.destPort).toBe(2948);
    expect(p.srcPort).toBe(9200);
    expect(p.concat).toEqual({ ref: 0x42, total: 4, seq: 2, ref16: false });
  });

  it.each([
    ['a missing segment', () => [segs[0], segs[1], segs[3]], /missing segment\(s\) 3 of 4/],
    ['a duplicate segment', () => [segs[0], segs[1], segs[1], segs[3]], /received twice/],
    [
      'segments of another message',
      () => [...segs.slice(0, 3), segmentWdpDatagram(wsp, { concatRef: 0x43 })[3].userData],
      /does not match/,
    ],
    ['a UDHL past the end', () => [Uint8Array.of(0x20, 1, 2)], /UDHL/],
    ['a truncated IE', () => [Uint8Array.of(0x03, 0x05, 0x04, 0x0b)], /overruns/],
    ['no segments', () => [], /no SMS/],
  ])('rejects %s with SmsReassemblyError', (_n, parts, message) => {
    expect(() => reassembleSms(parts())).toThrow(SmsReassemblyError);
    expect(() => reassembleSms(parts())).toThrow(message);
  });

  it('WdpReassembler completes out-of-order segments per sender and reference', () => {
    const r = new WdpReassembler();
    const other = segmentWdpDatagram(wsp, { concatRef: 0x42 }).map((s) => s.userData);
    expect(r.accept('491701', segs[3])).toBeUndefined();
    expect(r.accept('491702', other[0])).toBeUndefined();
    expect(r.accept('491701', segs[0])).toBeUndefined();
    expect(r.accept('491701', segs[2])).toBeUndefined();
    const done = r.accept('491701', segs[1]);
    expect(done && hex(done.payload)).toBe(hex(wsp));
    expect(r.pendingCount).toBe(1);
  });
});

describe('concatenation reference allocation', () => {
  it('gives distinct references to consecutive pushes to one destination', async () => {
    const a = new InMemoryConcatReferenceAllocator(() => 250);
    const refs = [];
    for (let i = 0; i < 256; i++) refs.push(await a.next('491701234567'));
    expect(new Set(refs).size).toBe(256);
    expect(refs.slice(0, 7)).toEqual([250, 251, 252, 253, 254, 255, 0]);
    expect(await a.next('491709999999')).toBe(250);
    expect(await a.next('491701234567', { ref16: true })).toBe(250 + 256);
  });
});
