// The language tabs of the change forms (modeltranslation, built with
// jQuery UI's tabs), made to make sense with a screen reader. Loaded after
// jQuery UI and before the tabs are built on page load.
"use strict"
;(() => {
  const $ = window.jQuery
  if (!$?.ui?.tabs) return
  const gettext = window.gettext || ((text) => text)

  // jQuery UI makes each list item the tab, with the focus and the keys,
  // but leaves a link inside it: a control within a control, which screen
  // readers offer as a second stop. The links lose their address once the
  // tabs are built (kept aside for a rebuild); the panels are all on the
  // page, so no tab ever needs to fetch one.
  $.widget("ui.tabs", $.ui.tabs, {
    _isLocal: () => true,

    _processTabs() {
      this.tablist?.find("a[data-tab-href]").each((_index, link) => {
        link.setAttribute("href", link.dataset.tabHref)
      })
      this._super()
      this.anchors.each((_index, link) => {
        link.dataset.tabHref = link.getAttribute("href")
        link.removeAttribute("href")
      })
    },
  })

  // The switch that shows one language in every field has no label.
  $(() => {
    $("#modeltranslation-main-switch").attr(
      "aria-label",
      gettext("Language shown in the fields"),
    )
  })
})()
