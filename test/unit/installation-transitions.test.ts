import { describe, expect, it } from 'vitest';
import { installationStates, type InstallationState } from '../../src/db/schema/index.js';
import { assertInstallationTransition, IllegalInstallationTransitionError, installationTransitions } from '../../src/domain/installations/transitions.js';
import { AppError } from '../../src/shared/errors.js';

/**
 * The charger installation lifecycle as the business describes it, written out independently of
 * the code's table: requested → scheduled (a slot is booked) → installed; a scheduled one can lose
 * its slot (back to requested); either open state can be cancelled; installed and cancelled are final.
 */
const legal: ReadonlyArray<readonly [InstallationState, InstallationState]> = [
  ['requested', 'scheduled'],
  ['requested', 'cancelled'],
  ['scheduled', 'installed'],
  ['scheduled', 'requested'],
  ['scheduled', 'cancelled'],
];

const isLegal = (from: InstallationState, to: InstallationState) => legal.some(([f, t]) => f === from && t === to);
const allPairs = installationStates.flatMap((from) => installationStates.map((to) => [from, to] as const));
const illegal = allPairs.filter(([from, to]) => !isLegal(from, to));

describe('installation states', () => {
  it('are exactly requested, scheduled, installed and cancelled', () => {
    expect([...installationStates].sort()).toEqual(['cancelled', 'installed', 'requested', 'scheduled']);
    expect(Object.keys(installationTransitions).sort()).toEqual([...installationStates].sort());
  });

  it('the expected table covers 5 legal and 11 illegal moves', () => {
    expect(allPairs).toHaveLength(16);
    expect(illegal).toHaveLength(11);
  });

  it('the code table allows exactly the legal moves', () => {
    const table = installationStates.flatMap((from) => installationTransitions[from].map((to) => [from, to] as const));
    expect(table.map((p) => p.join('→')).sort()).toEqual(legal.map((p) => p.join('→')).sort());
  });
});

describe('legal installation transitions', () => {
  it.each(legal)('%s → %s is allowed', (from, to) => {
    expect(() => assertInstallationTransition(from, to)).not.toThrow();
  });
});

describe('illegal installation transitions', () => {
  it.each(illegal)('%s → %s is refused', (from, to) => {
    expect(() => assertInstallationTransition(from, to)).toThrow(IllegalInstallationTransitionError);
  });

  it('nothing is installed without a slot, and nothing leaves installed or cancelled', () => {
    expect(() => assertInstallationTransition('requested', 'installed')).toThrow(IllegalInstallationTransitionError);
    for (const end of ['installed', 'cancelled'] as const) {
      for (const to of installationStates) expect(() => assertInstallationTransition(end, to)).toThrow(IllegalInstallationTransitionError);
    }
  });

  it('the error carries code, from and to (the ops UI names the current state from it)', () => {
    let caught: unknown;
    try {
      assertInstallationTransition('installed', 'installed');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as IllegalInstallationTransitionError;
    expect([err.code, err.from, err.to, err.name]).toEqual(['illegal_transition', 'installed', 'installed', 'IllegalInstallationTransitionError']);
    expect(err.details).toEqual({ from: 'installed', to: 'installed' });
    expect(err.message).toContain('installed');
  });
});
