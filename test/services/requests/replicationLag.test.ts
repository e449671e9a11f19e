import { ReplicationLagEstimate } from '../../../services/requests/replicationLag';

describe('ReplicationLagEstimate', () => {
  it('asks for no wait until Graph has refused a write to a new guest', () => {
    const estimate = new ReplicationLagEstimate(300_000);
    expect(estimate.waitMs).toBe(0);
    estimate.recordFirstWrite();
    expect(estimate.waitMs).toBe(0);
  });

  it('waits a quarter longer than the latest refusal showed the lag to be, and never past the limit', () => {
    const estimate = new ReplicationLagEstimate(10_000);
    estimate.recordRefusal(2_000);
    expect(estimate.waitMs).toBe(2_500);
    estimate.recordRefusal(1_000);
    expect(estimate.waitMs).toBe(2_500);
    estimate.recordRefusal(60_000);
    expect(estimate.waitMs).toBe(10_000);
  });

  it('shortens the wait a little with every first write that succeeds, down to none', () => {
    const estimate = new ReplicationLagEstimate(300_000);
    estimate.recordRefusal(4_000);
    estimate.recordFirstWrite();
    expect(estimate.waitMs).toBe(4_750);
    for (let i = 0; i < 200; i += 1) estimate.recordFirstWrite();
    expect(estimate.waitMs).toBe(0);
  });
});
