/**
 * The web chat's settings as a Manager types them: the allowed origins,
 * one a line, read into the list `set_widget` takes (each an origin the
 * server accepts: `http` or `https`, a host, an optional port, nothing
 * after), and the line a website adds to embed the chat.
 */

/** The origins read from the text, and what could not be read, by line. */
export interface ParsedOrigins {
  origins: string[];
  problems: { line: number; text: string; reason: string }[];
}

/**
 * Reads one origin a line (blank lines skipped, each origin once, a
 * trailing slash forgiven): `https://example.com`, `http://localhost:8080`.
 */
export function parseOrigins(text: string): ParsedOrigins {
  const origins: string[] = [];
  const problems: ParsedOrigins["problems"] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const origin = originOf(line);
    if (typeof origin === "string") {
      if (!origins.includes(origin)) origins.push(origin);
    } else {
      problems.push({ line: index + 1, text: line, reason: origin.reason });
    }
  });
  return { origins, problems };
}

function originOf(line: string): string | { reason: string } {
  let url: URL;
  try {
    url = new URL(line);
  } catch {
    return { reason: "not an address: write it as https://example.com" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { reason: "only http and https sites can embed the chat" };
  if (url.username !== "" || url.password !== "")
    return { reason: "an origin has no user name or password" };
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || /[?#]/.test(line))
    return { reason: `an origin has no path: write ${url.origin}` };
  return url.origin;
}

/** The one line a website adds to show the team's chat (`origin`: this server's). */
export function embedSnippet(origin: string, handle: string): string {
  return `<script src="${origin}/widget.js" data-team="${handle}" async></script>`;
}

/** The address of the team's own chat page. */
export function chatPageUrl(origin: string, handle: string): string {
  return `${origin}/chat/${encodeURIComponent(handle)}`;
}
