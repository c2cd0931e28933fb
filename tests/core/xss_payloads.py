"""The XSS corpus: payloads a user might type into any text field of the platform.

Each entry is a template with `{n}` standing for the payload's number: every payload, if a
browser ever ran it, calls `alert(n)` (or the marker `__xss(n)`), so the suite can tell which
one ran. Kinds: script tags, event handlers, `javascript:`/`data:` URLs, SVG and MathML,
mutation XSS (noscript/style/template/form nesting), attribute and element breaking,
template syntax (Django/Jinja, JS template literals, Angular, Vue, htmx attributes),
markdown-ish links, and encoded or unicode variants.
"""

from __future__ import annotations

TEMPLATES: list[tuple[str, str]] = [
    # Script tags.
    ("script", "<script>alert({n})</script>"),
    ("script-case", "<ScRiPt>alert({n})</sCrIpT>"),
    ("script-src-data", "<script src=data:,alert({n})></script>"),
    ("script-nested", "<scr<script>ipt>alert({n})</scr</script>ipt>"),
    ("script-break", "</script><script>alert({n})</script>"),
    ("title-break", "</title><script>alert({n})</script>"),
    ("textarea-break", "</textarea><script>alert({n})</script>"),
    # Event handlers.
    ("img-onerror", "<img src=x onerror=alert({n})>"),
    ("img-slash", "<img/src/onerror=alert({n})>"),
    ("svg-onload", "<svg onload=alert({n})>"),
    ("body-onload", "<body onload=alert({n})>"),
    ("details-ontoggle", "<details open ontoggle=alert({n})>"),
    ("input-autofocus", "<input autofocus onfocus=alert({n})>"),
    ("video-source", "<video><source onerror=alert({n})>"),
    ("marquee", "<marquee onstart=alert({n})>x</marquee>"),
    ("img-entities", "<img src=x onerror=&#97;lert({n})>"),
    # URLs.
    ("js-url", "javascript:alert({n})"),
    ("js-url-case", "JaVaScRiPt:alert({n})"),
    ("js-url-tab", "java\tscript:alert({n})"),
    ("a-js", '<a href="javascript:alert({n})">x</a>'),
    ("a-js-entity", '<a href="&#106;avascript:alert({n})">x</a>'),
    ("data-url", "data:text/html,<script>alert({n})</script>"),
    ("a-data", "<a href=data:text/html,%3Cscript%3Ealert({n})%3C/script%3E>x</a>"),
    ("iframe-js", "<iframe src=javascript:alert({n})>"),
    ("iframe-srcdoc", '<iframe srcdoc="<script>parent.alert({n})</script>">'),
    ("object-js", '<object data="javascript:alert({n})">'),
    ("meta-refresh", '<meta http-equiv=refresh content="0;url=javascript:alert({n})">'),
    # SVG and MathML.
    ("svg-script", "<svg><script>alert({n})</script></svg>"),
    ("svg-a", '<svg><a xlink:href="javascript:alert({n})"><text y=9>x</text></a></svg>'),
    ("math-a", '<math><a href="javascript:alert({n})">x</a></math>'),
    # Mutation XSS.
    ("mxss-noscript", '<noscript><p title="</noscript><img src=x onerror=alert({n})>">'),
    ("mxss-style", '<svg></p><style><a id="</style><img src=x onerror=alert({n})>">'),
    ("mxss-math", "<math><mtext><table><mglyph><style><img src=x onerror=alert({n})>"),
    ("mxss-template", "<template><style></template><img src=x onerror=alert({n})></style>"),
    ("mxss-comment", '<!--<img src="--><img src=x onerror=alert({n})//">'),
    # Attribute breaking.
    ("attr-dq-script", '"><script>alert({n})</script>'),
    ("attr-sq-img", "'><img src=x onerror=alert({n})>"),
    ("attr-dq-handler", '" onmouseover="alert({n})" x="'),
    ("attr-sq-autofocus", "' autofocus onfocus='alert({n})' x='"),
    ("attr-dq-svg", '"><svg/onload=alert({n})>'),
    # Template syntax.
    ("django-var", "{{{{7*7}}}} alert({n})"),
    ("django-tag", "{{% debug %}}{{{{ request }}}} alert({n})"),
    ("js-template", "${{alert({n})}}"),
    ("angular", "{{{{constructor.constructor('alert({n})')()}}}}"),
    ("vue", "{{{{_c.constructor('alert({n})')()}}}}"),
    ("htmx", '<div hx-get="/" hx-trigger="load" hx-on::load="alert({n})">x</div>'),
    # Markdown-ish.
    ("md-link", "[x](javascript:alert({n}))"),
    ("md-image", '![x](x" onerror="alert({n}))'),
    # Encoded and unicode variants.
    ("entity-encoded", "&lt;script&gt;alert({n})&lt;/script&gt;"),
    ("url-encoded", "%3Cscript%3Ealert({n})%3C/script%3E"),
    ("js-escaped", "\\u003cscript\\u003ealert({n})\\u003c/script\\u003e"),
    ("fullwidth", "＜script＞alert({n})＜/script＞"),
    ("rtl-zero-width", "\u202e<img src=x one\u200brror=alert({n})>"),
]

PAYLOADS: list[tuple[str, str]] = [
    (name, template.format(n=n)) for n, (name, template) in enumerate(TEMPLATES, start=1)
]
