/**
 * What a reader sees of a report page, as one line: the markup replaced by spaces (so that
 * table cells stay apart), the entities Handlebars escapes with decoded, spaces collapsed.
 */
export function pageText(html: string): string {
  return collapsed(
    html
      .replace(/<(style|script|svg)\b[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#x27;/g, "'")
      .replace(/&#x3D;/g, '=')
      .replace(/&#x60;/g, '`')
      .replace(/&amp;/g, '&'),
  );
}

/** A text with its runs of white space as one space (as a page shows it), trimmed. */
export function collapsed(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
