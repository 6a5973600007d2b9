// Fit the rich-text editor (django-prose-editor) into the admin: the
// policy's rules, the editor's language and what a screen reader is told.
import { Extension, Plugin, gettext } from "django-prose-editor/editor"

// The package labels its menu buttons in English only; these are the
// editor's words for them, from Django's JavaScript catalogue.
const LABELS = {
  heading2: gettext("Heading"),
  heading3: gettext("Subheading"),
  paragraph: gettext("Plain paragraph"),
  bulletList: gettext("Bulleted list"),
  orderedList: gettext("Numbered list"),
  bold: gettext("Bold"),
  italic: gettext("Italic"),
  link: gettext("Link to an address: a web page, an email address or a phone number"),
  unlink: gettext("Remove the link"),
  "history:undo": gettext("Undo"),
  "history:redo": gettext("Redo"),
}

// The package's link dialog asks Django's catalogue for these words, and
// the package ships no Nynorsk, Bokmål or English: they are in ours, and
// named here so that `make messages` keeps them there.
const gettext_noop = (text) => text
gettext_noop("Edit Link")
gettext_noop("URL")
gettext_noop("Title")
gettext_noop("Update")

// Buttons that switch something on and off say whether it is on.
const PRESSED = {
  heading2: (editor) => editor.isActive("heading", { level: 2 }),
  heading3: (editor) => editor.isActive("heading", { level: 3 }),
  paragraph: (editor) => editor.isActive("paragraph"),
  bulletList: (editor) => editor.isActive("bulletList"),
  orderedList: (editor) => editor.isActive("orderedList"),
  bold: (editor) => editor.isActive("bold"),
  italic: (editor) => editor.isActive("italic"),
}

// modeltranslation marks each language's field with mt-field-<name>-<language>.
const FIELD_LANGUAGE = /^mt-field-.+-([a-z]+(?:_[a-z]+)?)$/

function languageOf(textarea) {
  for (const name of textarea.classList) {
    const match = FIELD_LANGUAGE.exec(name)
    if (match) return match[1].replace("_", "-")
  }
  return null
}

function editableAttributes(textarea) {
  const attributes = { role: "textbox", "aria-multiline": "true" }
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`)
  if (label) {
    label.id ||= `${textarea.id}-label`
    attributes["aria-labelledby"] = label.id
  }
  for (const name of ["aria-describedby", "aria-invalid"]) {
    if (textarea.hasAttribute(name)) attributes[name] = textarea.getAttribute(name)
  }
  const language = languageOf(textarea)
  if (language) attributes.lang = language
  return attributes
}

let dialogTitles = 0

function menuButtons(editor) {
  const menubar = editor.view.dom.parentElement.querySelector(".prose-menubar")
  return menubar ? [...menubar.querySelectorAll("button[data-name]")] : []
}

export const AdminEditor = Extension.create({
  name: "adminEditor",
  // Last, so that the menu exists when this extension's onCreate runs.
  priority: 1,

  onBeforeCreate() {
    // Tiptap would add its rules in an inline <style>, which the policy
    // refuses; the same rules are in static/css/admin.css.
    this.editor.options.injectCSS = false
  },

  addProseMirrorPlugins() {
    const textarea = this.editor.options.element.querySelector("textarea")
    return textarea ? [new Plugin({ props: { attributes: editableAttributes(textarea) } })] : []
  },

  onCreate() {
    const { editor } = this
    const buttons = menuButtons(editor)
    for (const button of buttons) {
      const label = LABELS[button.dataset.name]
      if (label) {
        button.title = label
        button.setAttribute("aria-label", label)
      }
    }
    const showState = () => {
      for (const button of buttons) {
        const pressed = PRESSED[button.dataset.name]
        if (pressed) {
          const on = pressed(editor)
          button.classList.toggle("active", on)
          button.setAttribute("aria-pressed", String(on))
        }
        button.setAttribute("aria-disabled", String(button.classList.contains("disabled")))
      }
    }
    // After the menu's own listeners, which set the classes read here.
    editor.on("transaction", showState)
    showState()

    // The package's dialogs (the link to an address) have a title that
    // nothing names them by; a screen reader would announce "dialog" only.
    this.storage.dialogs = new MutationObserver(() => {
      for (const dialog of editor.view.dom.parentElement.querySelectorAll(
        "dialog.prose-editor-dialog:not([aria-labelledby])",
      )) {
        const title = dialog.querySelector(".prose-editor-dialog-title")
        if (title) {
          title.id ||= `prose-editor-dialog-title-${++dialogTitles}`
          dialog.setAttribute("aria-labelledby", title.id)
        }
      }
    })
    this.storage.dialogs.observe(editor.view.dom.parentElement, { childList: true })
  },

  addStorage() {
    return { dialogs: null }
  },

  onDestroy() {
    this.storage.dialogs?.disconnect()
  },
})
