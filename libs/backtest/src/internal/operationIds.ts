/**
 * Operation ids `<prefix><n>` for n = 1, 2, 3, ... (the trade-driven strategy's), each one
 * flat string: `Array.prototype.join` cost ~900 instructions per id (the array, the number's
 * digits, the join machinery), and a concatenation of 13 or more characters is a rope, which
 * V8 copies flat again the first time the id keys a Map (ropes as keys measured costlier).
 * Here the id's char codes are kept (the prefix, then n's decimal digits, incremented in
 * place) and handed to `String.fromCharCode` as arguments: one flat string, no array, no
 * `apply`. Ids longer than 32 characters are joined as before. (The simulated venue's ids are
 * concatenations instead, for their own reasons: libs/adapters/sim, `IdSequence`.)
 */
export class NumberedIds {
  /** The current id's char codes: the prefix's, then n's decimal digits. */
  private readonly codes: Array<number>
  private readonly prefixLength: number
  private length: number
  private n = 0

  constructor(private readonly prefix: string) {
    const codes: Array<number> = []
    for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i))
    codes.push(48)
    this.codes = codes
    this.prefixLength = prefix.length
    this.length = codes.length
  }

  /** The next id: the prefix and the next n (from 1) in decimal. */
  next(): string {
    const n = ++this.n
    const c = this.codes
    // n's digits plus one, carried from the last.
    let i = this.length - 1
    while (i >= this.prefixLength && c[i] === 57) c[i--] = 48
    if (i >= this.prefixLength) c[i]!++
    else {
      // 9...9 + 1: one digit more, 1 then zeros.
      c[this.prefixLength] = 49
      c.push(48)
      this.length++
    }
    return this.length <= MAX_FLAT ? flatFromCodes(c, this.length) : [this.prefix, n].join("")
  }
}

/** Longest id made from its char codes (see NumberedIds). */
const MAX_FLAT = 32
const fromCharCode = String.fromCharCode

/** The string of the first `n` (1 to MAX_FLAT) codes of `c`, flat: the codes passed as arguments. */
const flatFromCodes = (c: ReadonlyArray<number>, n: number): string => {
  switch (n) {
    case 1:
      return fromCharCode(c[0]!)
    case 2:
      return fromCharCode(c[0]!, c[1]!)
    case 3:
      return fromCharCode(c[0]!, c[1]!, c[2]!)
    case 4:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!)
    case 5:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!)
    case 6:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!)
    case 7:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!)
    case 8:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!)
    case 9:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!)
    case 10:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!)
    case 11:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!)
    case 12:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!)
    case 13:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!)
    case 14:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!)
    case 15:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!)
    case 16:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!)
    case 17:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!)
    case 18:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!)
    case 19:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!)
    case 20:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!)
    case 21:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!)
    case 22:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!)
    case 23:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!)
    case 24:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!)
    case 25:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!)
    case 26:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!)
    case 27:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!)
    case 28:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!)
    case 29:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!)
    case 30:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!)
    case 31:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!, c[30]!)
    case 32:
      return fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!, c[30]!, c[31]!)
    default:
      throw new RangeError(`flatFromCodes: ${n} codes`)
  }
}
