/**
 * Order statuses as small integers for the order manager's status buckets and its hot path
 * (no string comparisons). Internal: not part of the package's API.
 */

/** The index of a status in `OrderStatus.all` (the status buckets' order); -1 for anything else. */
export const statusIndex = (status: string): number => {
  switch (status) {
    case "PENDING":
      return 0
    case "SUBMITTED":
      return 1
    case "ACCEPTED":
      return 2
    case "PARTIALLY_FILLED":
      return 3
    case "FILLED":
      return 4
    case "PENDING_CANCEL":
      return 5
    case "CANCELLED":
      return 6
    case "REJECTED":
      return 7
    case "EXPIRED":
      return 8
    case "DENIED":
      return 9
    default:
      return -1
  }
}

/**
 * `isTerminal` of the status at index `i` of `statusIndex` (FILLED, then CANCELLED and every
 * status after it): no string comparisons. A test checks it against `isTerminal` for every status.
 */
export const isTerminalIndex = (i: number): boolean => i === 4 || i >= 6

