/**
 * A VIN: 17 characters of A–Z and 0–9 without I, O and Q (ISO 3779). Spaces and dashes people
 * paste along are dropped and letters upper-cased. Returns the VIN or null.
 */
export function normalizeVin(input: string): string | null {
  const vin = input.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-HJ-NPR-Z0-9]{17}$/.test(vin) ? vin : null;
}
