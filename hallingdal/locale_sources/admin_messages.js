// The admin's JavaScript strings that Django's Nynorsk (and Bokmål)
// catalogue lacks: the two-list selector and the calendar.
// This file is never served or run. `make messages` reads it so that the
// strings enter the site's djangojs catalogue, which the admin's jsi18n view
// merges over Django's own. Remove an entry when Django ships it.

// The two-list selector (SelectFilter2.js).
gettext('Choose %s by selecting them and then select the "Choose" arrow button.')
gettext("Choose all %s")
gettext("Choose selected %s")
gettext("Remove selected %s")
gettext('Remove %s by selecting them and then select the "Remove" arrow button.')
gettext("Type into this box to filter down the list of selected %s.")
gettext("(click to clear)")
gettext("Remove all %s")
ngettext("%s selected option not visible", "%s selected options not visible", 1)

// The calendar (calendar.js).
gettext("Sunday")
gettext("Monday")
gettext("Tuesday")
gettext("Wednesday")
gettext("Thursday")
gettext("Friday")
gettext("Saturday")
pgettext("abbrev. day Sunday", "Sun")
pgettext("abbrev. day Monday", "Mon")
pgettext("abbrev. day Tuesday", "Tue")
pgettext("abbrev. day Wednesday", "Wed")
pgettext("abbrev. day Thursday", "Thur")
pgettext("abbrev. day Friday", "Fri")
pgettext("abbrev. day Saturday", "Sat")
