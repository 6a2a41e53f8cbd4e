"""Collect Content-Security-Policy violations in a Playwright page (events and console messages), and the inline
event handlers and ``javascript:`` URLs of its live DOM, which a browser build may block without reporting."""

from __future__ import annotations

RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '') + ' @ ' + e.sourceFile + ':' + e.lineNumber
  );
});
"""


INLINE_IN_DOM = """
Array.from(document.querySelectorAll('*')).flatMap(function (el) {
  return Array.from(el.attributes).filter(function (a) {
    var name = a.name.toLowerCase();
    var url = ['href', 'src', 'action', 'formaction'].indexOf(name) >= 0;
    return name.indexOf('on') === 0 || (url && /^\\s*javascript:/i.test(a.value));
  }).map(function (a) {
    return 'inline in DOM: <' + el.tagName.toLowerCase() + ' class="' + el.className + '" ' + a.name + '="'
      + a.value.slice(0, 40) + '">';
  });
})
"""


class CspWatch:
    """Install on a browser context before opening pages; ``violations()`` lists what the CSP blocked."""

    def __init__(self, context):
        self.console: list[str] = []
        context.add_init_script(RECORDER)
        context.on("console", self._on_console)

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self, page) -> list[str]:
        return [*self.console, *page.evaluate("window.__cspViolations || []"), *page.evaluate(INLINE_IN_DOM)]
