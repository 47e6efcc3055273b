r"""The vocabulary of posted formulas, as tables: what each LaTeX command, character and word means.

The reader (:mod:`derive.claims.tokens` and the grammar ``math.lark``) only looks things up here, so
adding a spelling is one line in one table.  The tables are checked against each other at import.

Token types (the terminals of ``math.lark``) that a command or character can become:

=============  ==========================================================================================
``LETTER``     one letter: ``x``, a Greek letter (``alpha``), ``ell``
``RUN``        a multi-letter name: ``yhat``, ``CE``, ``\text{xent}``, a plain-text word ``grad_output``
``DRUN``       a run that starts with ``d`` and a letter (``dw``, ``dZ``, ``dL``): a differential or a name
``D``          the letter ``d`` alone;  ``DIFF`` an upright ``\mathrm{d}``;  ``DELTA`` the letter delta
``FUNC``       a named function: ``\log``, ``exp``, ``softmax``, ``\max`` (value: the canonical name)
``SUM``        ``\sum``, ``Σ``, ``\Sigma`` with scripts, a plain-text ``sum_j``
``DECOR``      a decoration or font of a symbol: ``\hat``, ``\mathbf``, ``\mathbb`` (value: the decoration)
``TEXTWORD``   a connective word: ``if``, ``for``, ``where``, ``otherwise``, ``and``
``PROSE``      words that are not mathematics (``\text{or equivalently}``, ``the famous result``)
=============  ==========================================================================================
"""

from __future__ import annotations

import re
from typing import Final

# --------------------------------------------------------------------------------------------------------
# Letters
# --------------------------------------------------------------------------------------------------------

GREEK: Final = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)
#: Commands that are one letter-like symbol.
LETTER_COMMANDS: Final = GREEK | {"ell", "infty", "imath", "jmath"}

#: Greek letters as plain-text words (``sigma(z)``, ``delta_ij``, ``alpha``) read as the letter.
GREEK_WORDS: Final = frozenset(GREEK - {"varepsilon", "vartheta", "varpi", "varrho", "varsigma", "varphi"})

# --------------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------------

#: TeX programming commands: never accepted, wherever they appear.
FORBIDDEN_COMMANDS: Final = frozenset(
    "input include includeonly def edef gdef xdef let futurelet csname endcsname catcode write immediate "
    "newcommand renewcommand providecommand newenvironment renewenvironment usepackage documentclass "
    "expandafter openin openout read readline closein closeout special jobname makeatletter makeatother "
    "DeclareMathOperator global lowercase uppercase loop afterassignment everymath everypar".split()
)

#: Commands that are understood as mathematics but not supported, with the reason given to the user.
UNSUPPORTED_COMMANDS: Final = {
    **{c: "an inequality" for c in "leq geq le ge lt gt ll gg leqslant geqslant".split()},
    **{c: "a relation" for c in "equiv cong subset subseteq supset supseteq".split()},
    **{c: "an arrow" for c in "iff Leftarrow leftarrow longrightarrow".split()},
    **{c: "an operator" for c in "prod int oint lim argmax argmin det tr".split()},
}

#: Commands that say "so" between two equations (``L = -\log p_y \Rightarrow \frac{\partial L}{...} = ...``):
#: each side is an equation of its own, as with the word "then".
IMPLIES_COMMANDS: Final = frozenset({"Rightarrow", "implies", "Longrightarrow", "therefore"})

#: Commands that become a token of their own: command -> (token type, value).
COMMAND_TOKENS: Final[dict[str, tuple[str, str]]] = {
    "frac": ("FRAC", "frac"),
    "dfrac": ("FRAC", "frac"),
    "tfrac": ("FRAC", "frac"),
    "cfrac": ("FRAC", "frac"),
    "over": ("OVER", "over"),
    "sqrt": ("SQRT", "sqrt"),
    "partial": ("PARTIAL", "partial"),
    "nabla": ("NABLA", "nabla"),
    "bigtriangledown": ("NABLA", "nabla"),
    "triangledown": ("NABLA", "nabla"),
    "sum": ("SUM", "sum"),
    "cdot": ("MULOP", "cdot"),
    "times": ("MULOP", "times"),
    "ast": ("MULOP", "ast"),
    "div": ("DIVOP", "div"),
    "odot": ("ODOT", "odot"),
    "circ": ("ODOT", "circ"),
    "oslash": ("OSLASH", "oslash"),
    "otimes": ("OTIMES", "otimes"),
    "top": ("TOP", "top"),
    "intercal": ("TOP", "top"),
    "prime": ("PRIME", "'"),
    "neq": ("NEQ", "!="),
    "ne": ("NEQ", "!="),
    "coloneqq": ("EQ", "="),
    "in": ("IN", "in"),
    "forall": ("FORALL", "for all"),
    "because": ("BECAUSE", "because"),
    "therefore": ("BECAUSE", "therefore"),
    "approx": ("APPROX", "approx"),
    "simeq": ("APPROX", "approx"),
    "sim": ("APPROX", "approx"),
    "propto": ("APPROX", "propto"),
    "to": ("ARROW", "to"),
    "rightarrow": ("ARROW", "to"),
    "mapsto": ("ARROW", "to"),
    "mid": ("BAR", "|"),
    "vert": ("BAR", "|"),
    "lvert": ("BAR", "|"),
    "rvert": ("BAR", "|"),
    "parallel": ("DBAR", "||"),
    "Vert": ("DBAR", "||"),
    "lVert": ("DBAR", "||"),
    "rVert": ("DBAR", "||"),
    "cdots": ("DOTS", "h"),
    "ldots": ("DOTS", "h"),
    "dots": ("DOTS", "h"),
    "dotsb": ("DOTS", "h"),
    "dotsc": ("DOTS", "h"),
    "vdots": ("DOTS", "v"),
    "ddots": ("DOTS", "d"),
    "substack": ("SUBSTACK", "substack"),
    "newline": ("ROWSEP", "newline"),
    "cr": ("ROWSEP", "cr"),
    "boxed": ("BOXED", "boxed"),
    "not": ("NOT", "not"),
}

#: Functions written as commands: command -> canonical function name.
FUNCTION_COMMANDS: Final = {
    "log": "log",
    "ln": "log",
    "exp": "exp",
    "tanh": "tanh",
    "max": "max",
    "min": "min",
}

#: Function words (typed as letters, or inside \text{}/\operatorname{}): word -> canonical name.  A
#: function word is never read as a product of letters.
FUNCTION_WORDS: Final = {
    "softmax": "softmax",
    "Softmax": "softmax",
    "diag": "diag",
    "log": "log",
    "ln": "log",
    "exp": "exp",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "max": "max",
    "min": "min",
    "abs": "abs",
}

#: Decorations and fonts of a symbol: command -> decoration (``Symbol.decoration``).  Fonts ("bold",
#: "bb", "cal", "rm") of a whole expression are typesetting and are dropped; accents need a symbol.
DECORATIONS: Final = {
    "hat": "hat",
    "widehat": "hat",
    "tilde": "tilde",
    "widetilde": "tilde",
    "bar": "bar",
    "overline": "bar",
    "dot": "dot",
    "vec": "bold",
    "overrightarrow": "bold",
    "mathbf": "bold",
    "boldsymbol": "bold",
    "bm": "bold",
    "pmb": "bold",
    "bf": "bold",
    "mathcal": "cal",
    "cal": "cal",
    "mathbb": "bb",
    "Bbb": "bb",
    "mathit": "rm",
    "it": "rm",
}
FONT_DECORATIONS: Final = frozenset({"bold", "bb", "cal", "rm"})

#: Commands whose braced argument is read as a word or words (a name, a connective, or prose).
TEXT_COMMANDS: Final = frozenset("text textrm textit textbf textsf mathrm mathsf operatorname rm".split())

#: Commands that only change how the formula looks: dropped.
DROPPED_COMMANDS: Final = frozenset(
    "displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits nonumber notag "
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm Biggm "
    "mathopen mathclose mathord mathrel mathbin mathop strut".split()
)
#: Size commands: \left. and \right. (the null delimiter) vanish with them.
SIZE_COMMANDS: Final = frozenset(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr "
    "bigm Bigm biggm Biggm".split()
)
#: Commands followed by a braced argument that is dropped with them (a color, a label, a tag).
DROPPED_WITH_ARGUMENT: Final = frozenset("label tag tag* color eqref ref".split())
#: Commands whose first braced argument is dropped and whose second is kept (\textcolor{red}{x}).
KEEP_SECOND_ARGUMENT: Final = frozenset({"textcolor", "colorbox"})
#: Commands whose argument is kept and whose following script is dropped (\underbrace{x}_{\text{..}}).
KEEP_ARGUMENT_DROP_SCRIPT: Final = {"underbrace": "_", "overbrace": "^", "underset": "", "overset": ""}

#: Horizontal spaces and their width in em: a space of at least ``BIG_SPACE`` em between two
#: expressions separates two equations (``a = b \quad c = d``).
SPACE_COMMANDS: Final = {
    "quad": 1.0,
    "qquad": 2.0,
    "enspace": 0.5,
    "thinspace": 0.17,
    "medspace": 0.22,
    "thickspace": 0.28,
    "negthinspace": 0.0,
    "hspace": 2.0,
    "hspace*": 2.0,
    "hfill": 2.0,
    "space": 0.33,
}
SPACE_ESCAPES: Final = {",": 0.17, ":": 0.22, ";": 0.28, "!": 0.0, " ": 0.33, ">": 0.22}
TILDE_SPACE: Final = 0.33
BIG_SPACE: Final = 1.0

#: Environments that hold a chain of equations: unwrapped (their ``&`` are dropped).
CHAIN_ENVIRONMENTS: Final = frozenset(
    "align align* aligned alignat alignat* eqnarray eqnarray* split equation equation* gather gather* "
    "gathered multline multline* displaymath math flalign flalign*".split()
)
CASES_ENVIRONMENTS: Final = frozenset({"cases", "dcases", "rcases"})
MATRIX_ENVIRONMENTS: Final = frozenset("matrix bmatrix pmatrix Bmatrix smallmatrix array".split())

# --------------------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------------------

#: Connective words: they start a condition (``if i = j``) or a qualifier (``for j = 1, 2``).
CONNECTIVES: Final = frozenset(
    {"if", "for", "for all", "where", "when", "with", "since", "and", "or", "s.t.", "such that",
     "otherwise", "else", "then", "given", "as", "because", "here", "whenever", "unless"}
)  # fmt: skip
#: Connectives that join two equations (``Ɣ=0 and ɑ=1``) or two conditions: separators.
SEPARATOR_WORDS: Final = frozenset({"and", "or", "then"})
#: Connectives that a run of letters in LaTeX math can spell (``for~i=1``, ``if i=j``, ``where t ...``).
LATEX_CONNECTIVES: Final = frozenset(
    {"if", "for", "where", "when", "otherwise", "else", "and", "with", "since"}
)
#: Connectives after which index conditions (``i = j``) restrict the claim.
CONDITION_WORDS: Final = frozenset({"if", "for", "when", "whenever", "where", "given", "for all"})
#: Connectives in \text{...} of pages in other languages, as the English one (Chinese, Japanese, Korean,
#: German, French, Spanish, Russian); "" for a word that closes a condition already opened (当 i = j 时).
FOREIGN_CONNECTIVES: Final = {
    "当": "when", "若": "if", "如果": "if", "其他": "otherwise", "其它": "otherwise", "否则": "otherwise",
    "其余": "otherwise", "时": "", "時": "", "のとき": "", "の場合": "", "とき": "", "場合": "",
    "それ以外": "otherwise", "일 때": "", "경우": "", "그 외": "otherwise", "falls": "if", "wenn": "if",
    "sonst": "otherwise", "si": "if", "sinon": "otherwise", "sino": "otherwise", "en otro caso": "otherwise",
    "если": "if", "при": "when", "иначе": "otherwise",
}  # fmt: skip
#: Connectives that mean "the other cases" in a cases environment.
OTHERWISE_WORDS: Final = frozenset({"otherwise", "else"})
#: Two-letter English words (prose); any other two-letter run is a symbol (``dp``, ``pu``, ``CE``).
SHORT_WORDS: Final = frozenset(
    "is to of in on we it as at by an or be if so no do up us my me go am he".split()
)
#: The true class in words (``the correct class``, ``the true label``, ``the ground-truth category``): a
#: regular-expression fragment, shared by the readers of formulas and of whole posts.
TRUE_CLASS_WORDS: Final = (
    r"(?:true|correct|right|target|labell?ed|ground[- ]truth|gold)\s+(?:class|label|category)"
)
#: Any other class in words (``other classes``, ``a wrong label``, ``the non-target categories``).
OTHER_CLASS_WORDS: Final = (
    r"(?:other|wrong|incorrect|non-?target)\s+(?:class(?:es)?|labels?|classifications?|categor(?:y|ies)|"
    r"indices|entries|ones)"
)
#: Plain words read as ``=`` between two formulas (``dSM[i]/dx[k] is SM[i] * (...)``).
EQUALS_WORDS: Final = frozenset({"is", "equals"})

#: Index letters: a subscript run made only of these letters, each at most once, is several indices
#: (``\mathbb{E}_{ijkl}``); any other run of three or more letters is one named index (``W_{out}``).
INDEX_LETTERS: Final = frozenset("ijklmnpqrst")

#: One-letter symbols that are usually functions: ``f(x + 1)`` reads first as a call (other one-letter
#: symbols first as a product, ``s(1 - s)``); either way the other reading is offered too.
FUNCTION_LETTERS: Final = frozenset({"f", "g", "h", "F", "G", "phi", "psi", "varphi"})

#: Superscripts in parentheses with one of these letters are example indices (``x^{(i)}``); a number or
#: any other content (``W^{(2)}``, ``a^{(L)}``) is a layer label.
EXAMPLE_LETTERS: Final = frozenset("ijkmnst")

#: Plain-text words that name a type in a declaration (``float grad = ...``): dropped.
DECLARATION_WORDS: Final = frozenset({"float", "double", "int", "const", "auto", "let", "var", "real"})

# --------------------------------------------------------------------------------------------------------
# Characters
# --------------------------------------------------------------------------------------------------------

#: Non-ASCII characters and what they are, as LaTeX.  Anything else outside ASCII (look-alike letters,
#: fullwidth forms) is refused, naming the character.
CHAR_REWRITES: Final[dict[str, str]] = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00d7": "\\times ",
    "\u00b7": "\\cdot ",
    "\u22c5": "\\cdot ",
    "\u2219": "\\cdot ",
    "\u2218": "\\circ ",
    "\u2019": "'",  # right single quotation mark used as a prime
    "\u2032": "'",  # prime
    "\u2033": "''",  # double prime
    "\u2260": "\\neq ",
    "\u2211": "\\sum ",
    "\U0001d7d9": "\\mathbb{1}",  # double-struck one: the indicator
    "\u03a3": "\\Sigma ",
    "\u2202": "\\partial ",
    "\u2207": "\\nabla ",
    "\u2208": "\\in ",
    "\u2299": "\\odot ",
    "\u2297": "\\otimes ",
    "\u2298": "\\oslash ",
    "\u22a4": "\\top ",
    "\u1d40": "^{T}",
    "\u00b2": "^{2}",
    "\u00b3": "^{3}",
    "\u00b9": "^{1}",
    "\u2070": "^{0}",
    **{chr(0x2074 + d): f"^{{{d + 4}}}" for d in range(6)},  # ⁴ ... ⁹
    "\u207d": "^(",  # ⁽ⁿ⁾: a run of superscripts is one superscript, ^{(n)}
    "\u207e": "^)",
    "\u207f": "^n",
    "\u2071": "^i",
    "\u02b2": "^j",
    "\u1d4f": "^k",
    "\u1d50": "^m",
    "\u02e1": "^l",
    "\u2113": "\\ell ",
    "\u2026": "\\dots ",
    "\u22ef": "\\cdots ",
    "\u2254": ":=",
    "\u21d2": "\\Rightarrow ",
    "\u27f9": "\\Rightarrow ",
    "\u2234": "\\therefore ",
    "\u2248": "\\approx ",
    "\u2264": "\\leq ",
    "\u2265": "\\geq ",
    "\u2192": "\\to ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u3000": " ",
    "\u201c": '"',  # quotation marks around prose
    "\u201d": '"',
    "\u2018": "'",
    # Latin letters used for Greek ones (the corpus writes alpha and gamma this way).
    "\u0251": "\\alpha ",  # LATIN SMALL LETTER ALPHA
    "\u0263": "\\gamma ",  # LATIN SMALL LETTER GAMMA
    "\u02e0": "^{\\gamma}",  # MODIFIER LETTER SMALL GAMMA: a superscript gamma
    "\u0194": "\\gamma ",  # LATIN CAPITAL LETTER GAMMA
    "\u03f5": "\\epsilon ",
    "\u03d5": "\\phi ",
    # Letters with an accent are the decorated letter.
    "\u0177": "\\hat{y}",
    "\u0176": "\\hat{Y}",
    "\u00f4": "\\hat{o}",
    "\u00ea": "\\hat{e}",
    "\u00e2": "\\hat{a}",
    "\u0233": "\\bar{y}",
    "\u1ef9": "\\tilde{y}",
    # Subscript digits and letters.
    **{chr(0x2080 + digit): f"_{digit}" for digit in range(10)},
    "\u1d62": "_i",
    "\u2c7c": "_j",
    "\u2096": "_k",
    "\u2099": "_n",
    **{char: f"_{letter}" for char, letter in zip("ₐₑₒₓₕₗₘₚₛₜᵣᵤᵥ", "aeoxhlmpstruv", strict=True)},
    # Script capitals for a loss: \mathcal{L} (the script small l, \ell, is above).
    "\u2112": "\\mathcal{L}",
    "\u210b": "\\mathcal{H}",
    "\u2130": "\\mathcal{E}",
    "\U0001d4a5": "\\mathcal{J}",
    # Mathematical bold letters (a vector or a matrix, 𝐳, 𝐖) and italic letters (𝑧): the letter itself.
    **{chr(0x1D400 + k): f"\\mathbf{{{chr(65 + k)}}}" for k in range(26)},
    **{chr(0x1D41A + k): f"\\mathbf{{{chr(97 + k)}}}" for k in range(26)},
    **{chr(0x1D434 + k): chr(65 + k) for k in range(26)},
    **{chr(0x1D44E + k): chr(97 + k) for k in range(26) if k != 7},
    "\u210e": "h",  # the italic h, outside the italic block
    **{
        chr(code): f"\\{name} "
        for code, name in {
            0x3B1: "alpha", 0x3B2: "beta", 0x3B3: "gamma", 0x3B4: "delta", 0x3B5: "epsilon", 0x3B6: "zeta",
            0x3B7: "eta", 0x3B8: "theta", 0x3B9: "iota", 0x3BA: "kappa", 0x3BB: "lambda", 0x3BC: "mu",
            0x3BD: "nu", 0x3BE: "xi", 0x3C0: "pi", 0x3C1: "rho", 0x3C3: "sigma", 0x3C4: "tau",
            0x3C5: "upsilon", 0x3C6: "phi", 0x3C7: "chi", 0x3C8: "psi", 0x3C9: "omega",
            0x393: "Gamma", 0x394: "Delta", 0x398: "Theta", 0x39B: "Lambda", 0x39E: "Xi",
            0x3A0: "Pi", 0x3A6: "Phi", 0x3A8: "Psi", 0x3A9: "Omega",
        }.items()
    },
}  # fmt: skip

#: Combining accents: they decorate the letter before them (``y`` + U+0302 is ``\hat{y}``).
COMBINING_ACCENTS: Final = {
    "\u0302": "hat",
    "\u0303": "tilde",
    "\u0304": "bar",
    "\u0305": "bar",
    "\u0307": "dot",
}

#: Characters of East Asian prose (a label inside a formula such as a Chinese sentence): read as prose.
_PROSE_RANGES: Final = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF))
_PROSE_PUNCTUATION: Final = frozenset(
    "\u3001\u3002\uff0c\uff1a\uff1b\uff08\uff09\uff01\uff1f"
    "\u2713\u2714\u2717\u2718\u2200"  # check marks and crosses, "for all" (∀i: an index range in words)
)


def index_letters(run: str) -> bool:
    """Whether a run written as a subscript is several indices (``ij``, ``pq``, ``ijkl``), not one name."""
    if not run.isalpha() or not run.isascii() or "e" in run:
        return False  # ce, de: e is no index (a bare e is Euler's number), so L_{ce} is one name
    return (len(run) == 2 and run.islower()) or (len(set(run)) == len(run) and set(run) <= INDEX_LETTERS)


def is_prose_character(char: str) -> bool:
    """East Asian ideographs, kana, hangul and their punctuation (never look-alikes of Latin letters)."""
    code = ord(char)
    return char in _PROSE_PUNCTUATION or any(low <= code <= high for low, high in _PROSE_RANGES)


def _check_tables() -> None:
    """The tables must not contradict each other, and rewrites must produce commands we know."""
    known = (
        set(COMMAND_TOKENS)
        | set(FUNCTION_COMMANDS)
        | set(DECORATIONS)
        | TEXT_COMMANDS
        | LETTER_COMMANDS
        | DROPPED_COMMANDS
        | DROPPED_WITH_ARGUMENT
        | KEEP_SECOND_ARGUMENT
        | set(KEEP_ARGUMENT_DROP_SCRIPT)
        | set(SPACE_COMMANDS)
    )
    assert not known & FORBIDDEN_COMMANDS, known & FORBIDDEN_COMMANDS
    assert not known & set(UNSUPPORTED_COMMANDS), known & set(UNSUPPORTED_COMMANDS)
    assert not set(COMMAND_TOKENS) & (set(FUNCTION_COMMANDS) | set(DECORATIONS) | LETTER_COMMANDS)
    assert SIZE_COMMANDS <= DROPPED_COMMANDS
    for char, target in CHAR_REWRITES.items():
        assert target.isascii(), char
        for command in re.findall(r"\\([A-Za-z]+)", target):
            understood = known | {"hat", "bar", "tilde"} | set(UNSUPPORTED_COMMANDS) | IMPLIES_COMMANDS
            assert command in understood, command
    assert CONDITION_WORDS <= CONNECTIVES and OTHERWISE_WORDS <= CONNECTIVES
    assert LATEX_CONNECTIVES <= CONNECTIVES
    assert SEPARATOR_WORDS <= CONNECTIVES and not SEPARATOR_WORDS & (CONDITION_WORDS | OTHERWISE_WORDS)
    assert set(FUNCTION_COMMANDS.values()) <= set(FUNCTION_WORDS.values())
    assert not EQUALS_WORDS & CONNECTIVES
    assert not any(is_prose_character(char) for char in CHAR_REWRITES)


_check_tables()
