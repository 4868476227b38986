import { describe, expect, it } from 'vitest';
import { normalizeVin } from '../../src/domain/fulfilment/vin.js';

/** A VIN is 17 characters of A–Z and 0–9 without I, O and Q (ISO 3779), so 1/l and 0/O are never confused. */
const VALID = 'LRWYGCEK1PC123456';

describe('normalizeVin', () => {
  it('accepts a 17-character VIN as is', () => {
    expect(normalizeVin(VALID)).toBe(VALID);
    expect(normalizeVin('5YJ3E1EA7KF317000')).toBe('5YJ3E1EA7KF317000');
    expect(normalizeVin('00000000000000000')).toBe('00000000000000000');
    expect(normalizeVin('ABCDEFGHJKLMNPRST')).toBe('ABCDEFGHJKLMNPRST');
  });

  it('upper-cases lower-case letters', () => {
    expect(normalizeVin('lrwygcek1pc123456')).toBe(VALID);
    expect(normalizeVin('LrWyGcEk1Pc123456')).toBe(VALID);
  });

  it('drops the spaces and dashes people paste along, and surrounding whitespace', () => {
    expect(normalizeVin('  LRWYGCEK1PC123456\n')).toBe(VALID);
    expect(normalizeVin('LRW YGC EK1 PC1 234 56')).toBe(VALID);
    expect(normalizeVin('LRW-YGCEK1-PC123456')).toBe(VALID);
    expect(normalizeVin('lrw ygc-ek1\tpc123456')).toBe(VALID);
  });

  it.each(['I', 'O', 'Q', 'i', 'o', 'q'])('refuses the letter %s anywhere', (letter) => {
    for (const at of [0, 8, 16]) {
      const vin = VALID.slice(0, at) + letter + VALID.slice(at + 1);
      expect(vin).toHaveLength(17);
      expect(normalizeVin(vin)).toBeNull();
    }
  });

  it('refuses any length but 17 (after dropping spaces and dashes)', () => {
    expect(normalizeVin('')).toBeNull();
    expect(normalizeVin('   ')).toBeNull();
    expect(normalizeVin(VALID.slice(0, 16))).toBeNull();
    expect(normalizeVin(`${VALID}7`)).toBeNull();
    expect(normalizeVin('LRW YGC EK1 PC1 234 5')).toBeNull();
  });

  it('refuses anything but letters and digits', () => {
    for (const bad of ['LRWYGCEK1PC12345_', 'LRWYGCEK1PC12345.', 'LRWYGCEK1PC12345/', 'LRWYGCEK1PC12345*', 'LRWYGCEK1PC12345Ä', 'LRWYGCEK1PC12345车']) {
      expect(normalizeVin(bad)).toBeNull();
    }
    // Full-width digits look right but are not ASCII.
    expect(normalizeVin('LRWYGCEK1PC12345６')).toBeNull();
  });
});
