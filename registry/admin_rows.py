"""A back-office list's rows and column headers drawn in Python, once per page
(templates/admin/list.html).

Flask-Admin draws every cell through template macros and calls back into the view per cell,
and builds a sort link per column; on a 20-row list of 8 columns that was a third of the
page's time. The cells and headers hold the same values (the view's formatters and labels),
escaped the same way.
"""

from urllib.parse import quote

from flask_admin.babel import gettext as admin_gettext
from markupsafe import Markup, escape

VIEW_ROW = "row_actions.view_row"
EDIT_ROW = "row_actions.edit_row"
SORT_SLOT = 987654321  # stands for a column's index in the one sort URL built per page
_SORT_ICONS = {False: "fa fa-chevron-up glyphicon glyphicon-chevron-up",
               True: "fa fa-chevron-down glyphicon glyphicon-chevron-down"}
_ICONS = {VIEW_ROW: "fa fa-eye glyphicon glyphicon-eye-open",
          EDIT_ROW: "fa fa-pencil glyphicon glyphicon-pencil"}


def rows_html(view, rows, *, list_columns, row_actions, link_urls: dict[str, str],
              row_id_slot: str, checkbox_title: str | None) -> list[Markup] | None:
    """Each row's cells (the selection box, the view and edit links, the columns), or None
    when a row action is not a plain link: the template then draws the rows itself."""
    if view.column_editable_list or any(action.template_name not in link_urls
                                        for action in row_actions):
        return None
    # Plain string joins with escape(): Markup.format runs Python's string.Formatter per
    # cell, which cost more than the template it replaces.
    links = [(link_urls[action.template_name], escape(action.title or ""),
              _ICONS[action.template_name]) for action in row_actions]
    column_names = [(name, f'<td class="col-{escape(name)}">') for name, _label in list_columns]
    drawn = []
    for row in rows:
        row_id = str(view.get_pk_value(row))
        parts = []
        if checkbox_title is not None:
            parts.append(f'<td><input type="checkbox" name="rowid" class="action-checkbox" '
                         f'value="{escape(row_id)}" title="{escape(checkbox_title)}" /></td>')
        if view.column_display_actions:
            quoted = quote(row_id, safe="")
            parts.append('<td class="list-buttons-column">')
            for url, title, icon in links:
                href = escape(url.replace(row_id_slot, quoted))
                parts.append(f'<a class="icon" href="{href}" title="{title}">'
                             f'<span class="{icon}"></span></a>')
            parts.append("</td>")
        for name, cell in column_names:
            parts.append(f"{cell}{escape(view.get_list_value(None, row, name))}</td>")
        drawn.append(Markup("".join(parts)))
    return drawn


def header_html(view, *, list_columns, sort_column, sort_desc, sort_url,
                select_all_title: str | None) -> Markup:
    """The header row's cells: the select-all box, the actions column, each column's label
    with its sort link (one URL per page, the column's index filled in)."""
    cells = []
    if select_all_title is not None:
        cells.append(f'<th class="list-checkbox-column"><input type="checkbox" name="rowtoggle" '
                     f'class="action-rowtoggle" title="{escape(select_all_title)}" /></th>')
    if view.column_display_actions:
        cells.append('<th class="">&nbsp;</th>')
    slot = f"sort={SORT_SLOT}"
    ascending = sort_url(SORT_SLOT)
    for index, (name, label) in enumerate(list_columns):
        shown = escape(label)
        if view.is_sortable(name):
            title = escape(admin_gettext("Sort by %(name)s", name=label))
            if sort_column == index:
                href = sort_url(index, True)
                shown = (f'<a href="{escape(href)}" title="{title}">{shown}'
                         f'<span class="{_SORT_ICONS[bool(sort_desc)]}"></span></a>')
            else:
                href = ascending.replace(slot, f"sort={index}")
                shown = f'<a href="{escape(href)}" title="{title}">{shown}</a>'
        description = view.column_descriptions.get(name)
        if description:
            shown = (f'{shown}<a class="fa fa-question-circle glyphicon glyphicon-question-sign" '
                     f'title="{escape(description)}" href="javascript:void(0)" '
                     f'data-role="tooltip"></a>')
        cells.append(f'<th class="column-header col-{escape(name.replace(".", "-"))}">'
                     f'{shown}</th>')
    return Markup("".join(cells))
