import { describe, expect, it } from "vitest";
import { paymentRecord } from "../../src/datasources/jobcloser/records.js";

/** JobCloser timestamps (§2): seconds and a UTC offset; checked by pattern on every list record. */
describe("JobCloser datetime fields", () => {
  const payment = (date: string) => ({
    Id: "0123456789abcdef0123456789abcd",
    InvoiceId: "0123456789abcdef0123456789abce",
    Amount: 10,
    Date: date,
    Method: "Cash",
  });

  it.each([
    "2019-05-02T10:16:42-05:00",
    "2026-03-01T00:00:00-06:00",
    "2026-03-01T06:00:00Z",
    "2026-03-01T06:00:00.1234567+00:00",
  ])("accepts %s", (date) => {
    expect(paymentRecord.parse(payment(date)).Date).toBe(date);
  });

  it.each([
    "2019-05-02",
    "2019-05-02T10:16:42",
    "2019-13-02T10:16:42-05:00",
    "2019-05-32T10:16:42-05:00",
    "2019-05-02T24:00:00-05:00",
    "2019-05-02 10:16:42-05:00",
    "yesterday",
  ])("refuses %s, saying what was expected", (date) => {
    const parsed = paymentRecord.safeParse(payment(date));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["Date", "expected an ISO 8601 timestamp with a UTC offset"],
    ]);
  });
});
