/**
 * A sortable table as the templates print it: headers with their sort type, rows of
 * display cells with a sort key each. The page script sorts by `data-sort`.
 */
export interface HeaderView {
  readonly label: string;
  /** the header's tooltip: what the column means */
  readonly title: string;
  /** `num` sorts by number, `text` alphabetically */
  readonly type: 'num' | 'text';
  /** css class: `num` right-aligns */
  readonly cls: string;
  /** direction of the first click: ranks ascend, scores descend */
  readonly first: 'ascending' | 'descending';
  /** the table's initial order: `ascending` on the column it is sorted by, '' elsewhere */
  readonly ariaSort: string;
}

export interface CellView {
  readonly text: string;
  /** smaller, muted text after the value (an interval, a win rate) */
  readonly note: string;
  readonly sort: string;
  readonly cls: string;
  /** a link around the text, relative to the page; '' for none */
  readonly href: string;
  /** tooltip */
  readonly title: string;
}

export interface RowView {
  readonly cells: readonly CellView[];
  /** lower-cased text the filter box matches */
  readonly filter: string;
  readonly cls: string;
}

export function header(
  label: string,
  type: 'num' | 'text',
  title = '',
  options: { first?: 'ascending' | 'descending'; sorted?: boolean } = {},
): HeaderView {
  return {
    label,
    title,
    type,
    cls: type === 'num' ? 'num' : '',
    first: options.first ?? (type === 'num' ? 'descending' : 'ascending'),
    ariaSort: options.sorted ? (options.first ?? 'ascending') : '',
  };
}

export function cell(
  text: string,
  sort: string,
  extra: Partial<Omit<CellView, 'text' | 'sort'>> = {},
): CellView {
  return {
    text,
    sort,
    note: extra.note ?? '',
    cls: extra.cls ?? '',
    href: extra.href ?? '',
    title: extra.title ?? '',
  };
}

export function numCell(
  text: string,
  sort: string,
  extra: Partial<Omit<CellView, 'text' | 'sort'>> = {},
): CellView {
  return cell(text, sort, { ...extra, cls: `num${extra.cls ? ` ${extra.cls}` : ''}` });
}
