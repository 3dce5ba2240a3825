/** One part of a `multipart/related` body: its headers (lower-cased names) and raw bytes. */
export interface Part {
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** Reads the boundary out of a `multipart/related; boundary=...` content type. */
export const boundaryOf = (contentType: string | undefined): string | undefined => {
  if (contentType === undefined) return undefined
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m?.[1] ?? m?.[2]
}

/**
 * Splits a multipart body into parts. Works on bytes (the media part is binary), so it
 * searches for the delimiter `\r\n--boundary` rather than splitting text.
 */
export const parseMultipart = (body: Buffer, boundary: string): ReadonlyArray<Part> | undefined => {
  const dash = Buffer.from(`--${boundary}`)
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  let pos = body.indexOf(dash)
  if (pos < 0) return undefined
  pos += dash.length
  const parts: Array<Part> = []
  for (;;) {
    // After a delimiter: "--" closes the body, CRLF opens the next part.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2
    else return undefined
    // A part without headers starts with the blank line at once.
    const headerEnd = body[pos] === 0x0d && body[pos + 1] === 0x0a ? pos - 2 : body.indexOf("\r\n\r\n", pos)
    if (headerEnd < 0) return undefined
    const headers: Record<string, string> = {}
    for (const line of body.subarray(pos, Math.max(pos, headerEnd)).toString("latin1").split("\r\n")) {
      const i = line.indexOf(":")
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
    }
    const contentStart = headerEnd + 4
    const next = body.indexOf(delimiter, contentStart)
    if (next < 0) return undefined
    parts.push({ headers, body: body.subarray(contentStart, next) })
    pos = next + delimiter.length
  }
}
