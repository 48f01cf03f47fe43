// The curl command equivalent to a playground request.

const MASK = "$LIVENESS_TOKEN";

/** Quote `text` for a POSIX shell. */
export function shellQuote(text) {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * `request`: { url, token, image: File|null, video: File|null, imageAsBase64, tuning }.
 * With `showToken` false the token is replaced by a shell variable.
 */
export function curlCommand(request, showToken) {
  const token = showToken ? request.token : MASK;
  const auth = showToken ? shellQuote(`Authorization: Bearer ${token}`) : `"Authorization: Bearer ${MASK}"`;
  const lines = [`curl -sS -X POST ${shellQuote(request.url)}`, `-H ${auth}`];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (request.image) {
    const name = request.image.name || "image";
    lines.push(
      request.imageAsBase64
        ? `-F "image=$(base64 -w0 ${shellQuote(name)})"`
        : `-F ${shellQuote(`image=@${name}`)}`,
    );
  }
  if (request.video) lines.push(`-F ${shellQuote(`video=@${request.video.name || "video.mp4"}`)}`);
  for (const [name, value] of Object.entries(request.tuning)) {
    lines.push(`-F ${shellQuote(`${name}=${value}`)}`);
  }
  return lines.join(" \\\n  ");
}
