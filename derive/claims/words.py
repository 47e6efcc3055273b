r"""What a page says in words about its notation: ``--notation 'X logits (N x C), y labels; p = softmax(x)'``.

Pages say what their symbols are in prose beside the formulas ("where z are the logits and y the one-hot
labels"), and docstrings and READMEs do so in terse notes ("s softmax output vector", "t one-hot label").
This module reads such notes into the options a careful user would give: ``--let`` for a symbol whose role
the words name, ``--loss sigmoid-bce`` when the words say the model is a sigmoid with binary targets, and
``--where`` for a case the words state ("case i != target"), ``--loss temperature`` when they name a
temperature T. Every option found keeps the words it came
from, and the verdict's notes show them: a reading taken from the page's words is never silent.

The reader is a table of role phrases (:data:`ROLE_PHRASES`), tried in order on the words after a symbol,
plus two equation forms (``p = softmax(x)``: p is the output and x the logits; ``x = logits``). Words it
does not recognize give nothing: a note it cannot read never changes a verdict. Phrases that name one
entry rather than a vector ("p probability of the true class"), a teacher's or an upstream quantity, or a
weight of the loss ("alpha class weight") are recognized as such and give nothing.

Nothing here evaluates the text: it is split with regular expressions and the results are option strings
that go through the same parsers as the user's own options.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

from derive.claims import lexicon as lx

#: A page's notation note is at most this long (longer text is a page, read by ``--post``).
MAX_WORDS_CHARS: Final = 2_000


@dataclass(frozen=True)
class PageWords:
    """The options a notation note gives, each with the words it came from."""

    lets: tuple[tuple[str, str], ...] = ()  # (let option, the words)
    where: tuple[tuple[str, str], ...] = ()  # (where option, the words)
    loss: tuple[str, str] | None = None  # (loss kind, the words)
    defines: tuple[tuple[str, str], ...] = ()  # (define option, the words)
    #: (means option, the words): what a text with no left side is the gradient by ("gradient w.r.t. the
    #: logits"); used only for such a text.
    means: tuple[str, str] | None = None
    #: (mean or sum, the words): a batch's loss ("summed over the batch", "the mean over the examples").
    batch_loss: tuple[str, str] | None = None
    #: Words that say what a canonical letter is already ("where a = softmax(z)"): nothing to add.
    confirms: tuple[str, ...] = ()
    #: (name, the words) for a symbol the words call another loss ("L is the mean squared error"): the
    #: claim about it is refused unless the user defines it.
    other_losses: tuple[tuple[str, str], ...] = ()
    #: (name, the words) for a letter the words call the sigmoid function ("s sigmoid"): ``s(w^T x)`` is
    #: the sigmoid applied to the scores.
    sigmoids: tuple[tuple[str, str], ...] = ()

    def said(self) -> tuple[str, ...]:
        """One line per option found: ``--let X=z (the page's words: "X logits")``."""
        lines = [f'--let {let} (the page\'s words: "{words}")' for let, words in self.lets]
        lines += [f"--define '{define}' (the page's words)" for define, _ in self.defines]
        lines += [f"--where '{where}' (the page's words: \"{words}\")" for where, words in self.where]
        if self.loss is not None:
            lines.append(f'--loss {self.loss[0]} (the page\'s words: "{self.loss[1]}")')
        if self.batch_loss is not None:
            lines.append(f'--batch-loss {self.batch_loss[0]} (the page\'s words: "{self.batch_loss[1]}")')
        return tuple(lines)


#: Words that say what a gradient is by: "gradient of the loss with respect to the logits", "derivative
#: w.r.t. theta" (also read in code's comments, :mod:`derive.claims.read`).
WRT_PHRASE: Final = re.compile(
    r"\b(?:gradients?|derivatives?|grad|partials?)\b(?P<of>[^.;:]{0,80}?)\b(?:with\s+respect\s+to|w\.\s?r\.\s?t\.?|wrt)"
    r"\s+(?P<object>(?:the\s+|its\s+|our\s+|model'?s?\s+|network'?s?\s+)*[^.;:()]{1,60})",
    re.I,
)

#: What a gradient is "of" when it is the loss's: nothing, or "of the (softmax) cross-entropy loss", "of the
#: cost J", "of NLL" (not "of logsumexp", "of the softmax", "of the output").
OF_THE_LOSS: Final = re.compile(
    r"\s*(?:of\s+(?:the\s+|our\s+|this\s+|a\s+)?(?:(?:softmax|categorical|multi-?class)\s+)?"
    r"(?:cross[- ]?entropy(?:\s+loss)?|loss(?:\s+function)?|cost(?:\s+function)?|error|objective|CE|NLL|xent|"
    r"log[- ]?loss|"
    r"negative\s+log[- ]likelihood)?(?:\s*\$?\\?(?:[LJECH]|ell|mathcal\{L\})\$?)?)?\s*",
    re.I,
)

#: LaTeX that wraps words or a function's name: ``\text{ where }``, ``\operatorname{softmax}``.
_WORD_WRAPPER: Final = re.compile(r"\\(?:text|textrm|textit|mathrm|operatorname)\s*\{([^{}]*)\}")

#: The letters a gradient named in words can be by (not the targets: data).
_MEANS_LETTERS: Final = ("z", "a", "W", "b", "x")
#: One of them written as a symbol in the words (``z``, ``z_k``, ``W^{(2)}``); not ``a``, which is also
#: the article ("with respect to a single example").
_MEANS_SYMBOL: Final = re.compile(
    r"(?:\\mathbf\{|\\boldsymbol\{)?(?P<letter>[zWbxw])\}?(?:_\{?[A-Za-z0-9]{1,2}\}?|\^\{?\(?[A-Za-z0-9]\)?\}?)*"
)

#: Role phrases, tried in this order on the words after a symbol (cut at the first connector word).
ROLE_PHRASES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "z",
        re.compile(
            r"\b(?:pre-?softmax\s+)?logits?\b|\b(?:class\s+|raw\s+)?scores?\b|unnormali[sz]ed\s+log[- ]?"
            r"probabilities|\blinear\s+output|\bweighted\s+input|\bpre-?activations?\b|\bpenalty\b|"
            r"\bsoftmax\s+inputs?\b|\binputs?\s+(?:to|of)\s+(?:the\s+)?softmax\b",
            re.I,
        ),
    ),
    (
        "y",  # "y the desired output", "t the target output": the targets, though "output" is said
        re.compile(
            r"\b(?:desired|target|true|expected|correct|ideal)\s+(?:outputs?|values?|labels?|"
            r"probabilit(?:y|ies)|distributions?)\b",
            re.I,
        ),
    ),
    (
        "x",  # "h hidden activations": the last layer's input, though "activations" is said
        re.compile(
            r"\bhidden\s+(?:layer'?s?\s+)?(?:activations?|units?|outputs?|representations?|features|states?)\b",
            re.I,
        ),
    ),
    (
        "a",
        re.compile(
            r"\bsoftmax\b|\bprobabilit(?:y|ies)\b|\bpredictions?\b|\boutputs?\b|\bactivations?\b|"
            r"\bpredicted\b",
            re.I,
        ),
    ),
    (
        "y",
        re.compile(
            r"\bone-?\s?hot\b|\btargets?\b|\bground[- ]truth\b|\b(?:target|label)\s+distribution\b|"
            r"\b(?:binary|0/1)\s+labels?\b|\b(?:smoothed|soft)\s+labels?\b",
            re.I,
        ),
    ),
    (
        "H",
        re.compile(r"\bcross[- ]?entropy\b|\bCE\b|\bnegative\s+log[- ]likelihood\b|\bNLL\b", re.I),
    ),
    ("W", re.compile(r"^\s*(?:the\s+)?weights?(?:\s+(?:matrix|vector))?\b", re.I)),
    ("b", re.compile(r"^\s*(?:the\s+)?bias(?:es)?\b", re.I)),
    ("x", re.compile(r"^\s*(?:the\s+)?(?:features|design\s+matrix|input\s+data)\b", re.I)),
)

#: The batch's letter of each role's vector, and words that say a letter is a batch's matrix.
_BATCH_LETTERS: Final = {"x": "X", "z": "Z", "a": "A", "y": "Y"}
_A_BATCH_SAID: Final = re.compile(
    r"\bmatri(?:x|ces)\b|\bbatch\b|\b(?:examples|samples|rows)\b|\b\w+\s*(?:x|×|\\times)\s*\w+\b", re.I
)

#: Words that end the phrase about a symbol ("y_i softmax output given penalty z_i").
_CONNECTOR: Final = re.compile(
    r"\s(?:given|over|from|at|for|with|per|via|as|where|when|computed|of|in|on|used|along|and|to|"
    r"before|after|by|is|are)\s",
    re.I,
)

#: Phrases that give no role: one entry, a teacher's or upstream quantity, an index, a weight of the loss.
_NO_ROLE: Final = re.compile(
    r"\bof\s+(?:the\s+)?(?:true|target|correct|labell?ed|right)\b|\bfor\s+y\s*=|\bteacher\b|\bupstream\b|"
    r"\bincoming\b|\bcotangent\b|\bindex\b|\bindices\b|\bids?\b|\binteger\b|\bint\d*\b|\brouter\b|"
    r"\bexpert\b|\blayer\b|\blog-?softmax\b|\bsmoothing\b|\bregulari[sz]|\bprior\b|\bfocal\b|\bper-?row\b|"
    r"\bmax\b|\bsum\b|\bmean\b|\bderivative\b|\bgradients?\b|\bJacobian\b|\bclass\s+weight\b",
    re.I,
)

#: Losses the built-in softmax cross-entropy is not: words naming them give no loss role.
OTHER_LOSS: Final = re.compile(
    r"focal|mse|squared|quadratic|distill|z-?loss|hinge|regulari|smooth|\bKL\b|kullback|per-?sample|"
    r"sum\s+of|beta|prior|weighted|dice|triplet|contrastive|huber",
    re.I,
)

#: The model is a sigmoid with binary targets.
_BINARY: Final = re.compile(
    r"\bsigmoid(?:_\w+)?\b|\bBCE\b|\bbinary\s+cross[- ]?entropy\b|\blogistic\s+regression\b|"
    r"\blogitbinary",
    re.I,
)
_SOFTMAX: Final = re.compile(r"\bsoftmax\b", re.I)
#: A softmax at a temperature T (or tau): "softmax at temperature T", "T temperature", "T is the temperature".
#: The examples of a batch, as words name them after "sum over" or "mean over".
_EXAMPLES: Final = (
    r"(?:over|across)\s+(?:the\s+|all\s+|a\s+)*(?:(?:mini-?)?batch|examples?|samples?|data\s*points?|"
    r"observations?|rows|training\s+(?:set|examples?))\b"
)
#: Words that say a batch's loss is the sum over its examples, or their mean.
_BATCH_SUM: Final = re.compile(
    rf"\b(?:summed|sum(?:med)?)\s+{_EXAMPLES}|\bnot\s+averaged\b|\breduction\s*=\s*['\"]?sum\b|"
    r"\bsize_average\s*=\s*False\b",
    re.I,
)
#: A loss defined as the mean or the sum of its examples' own (``L = \frac{1}{N}\sum_n L_n``, ``J = 1/m sum_i
#: J^{(i)}``): how a batch's loss is made, never a definition (it would refer to itself).
_LOSS_OF_EXAMPLES: Final = re.compile(
    r"(?<![A-Za-z\\])(?P<name>\\?[A-Za-z]+)\s*=\s*"
    r"(?P<mean>\\frac\s*\{\s*1\s*\}\s*\{\s*[A-Za-z]\s*\}|\(\s*1\s*/\s*[A-Za-z]\s*\)|1\s*/\s*[A-Za-z])?"
    r"\s*(?:\\sum|sum|Σ)\s*(?:_\s*\{?\s*(?P<index>[a-z])[^}\s]*\}?)?(?:\s*\^\s*\{?\s*[A-Za-z]\s*\}?)?\s*"
    r"(?P=name)\s*(?:_\s*\{?\s*(?P=index)\s*\}?|\^\s*\{\s*\(\s*(?P=index)\s*\)\s*\}|\(\s*(?P=index)\s*\))"
)
_BATCH_MEAN: Final = re.compile(
    rf"\b(?:mean|average[ds]?|averaging|averaged)\s+{_EXAMPLES}|\bbatch[- ]mean\b|"
    r"\b(?:mean|average)\s+(?:of\s+(?:the\s+)?(?:binary\s+)?)?"
    r"(?:CE|NLL|BCE|cross[- ]?entropy|loss(?:es)?|cost)\b|"
    r"\b(?:loss|cost)\s+(?:is\s+)?(?:the\s+)?(?:mean|average)\b|\breduction\s*=\s*['\"]?mean\b",
    re.I,
)

#: Words that name the label-smoothed cross-entropy: "label smoothing eps", "with label-smoothing".
_LABEL_SMOOTHING: Final = re.compile(r"\blabel[- ]smooth(?:ing|ed)\b", re.I)
_TEMPERATURE: Final = re.compile(
    r"\btemperature\s+(?:T|\\tau|τ|tau)\b|(?<![\w\\])(?:T|\\tau|τ|tau)\s*(?:is\s+|=\s+|:\s*)?(?:the\s+)?"
    r"temperature\b"
    # softmax(z/T): the logits divided by a temperature, written
    r"|\bsoftmax\s*\(\s*\w+\s*/\s*(?:T|\\tau|τ|tau)\s*\)",
)

#: A symbol as notes write it: ``X``, ``y_i``, ``self.probs``, ``\hat{y}_i``, ``s^i``, ``ŷ``, ``t^{(i)}``.
_SYMBOL: Final = re.compile(
    r"^\s*(?:self\.)?(?P<name>\\(?:hat|tilde|mathbf|bar)\{\\?[A-Za-z]+\}|\\?[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
    r"|[A-Za-z][\u0302\u0303]|ŷ|ỹ)(?P<script>(?:_\{?[a-zA-Z]\}?|\^\{?\(?[a-zA-Z]\)?\}?)*)(?=\s|:|$)"
)

#: A vector listed by its entries, then its role: ``Y = [y_1,y_2,y_3] logits``, ``z = (z_1, ..., z_k) the
#: scores``.
_LISTED: Final = re.compile(
    r"^\s*(?P<name>[A-Za-z])\s*=\s*[\[(]\s*(?P<entry>[A-Za-z])_\{?(?:1|\w)\}?(?:\s*,\s*(?:\\?[.]{2,3}|\\[lc]?dots|"
    r"[A-Za-z]_\{?\w+\}?))+\s*[\])]\s*(?P<words>[A-Za-z][A-Za-z -]*)$"
)

#: Names that are functions, never a quantity (``sigma softmax``, ``s sigmoid``).
_FUNCTION_NAMES: Final = frozenset(
    {"sigma", "\\sigma", "σ", "s", "S", "g", "softmax", "sigmoid", "f", "\\Sigma", "Sigma", "SoftMax"}
)
#: Words that call a letter the sigmoid function: ``s sigmoid``, ``g the logistic function``.
_SIGMOID_FUNCTION: Final = re.compile(
    r"(?i)(?:is\s+)?(?:the\s+)?(?:sigmoid|logistic)(?:\s+(?:function|activation))?|(?:is\s+)?(?:the\s+)?"
    r"logistic\s+sigmoid(?:\s+function)?"
)
#: Names of a loss's parameters, sizes and indices: never one of the model's quantities.
_PARAMETER_NAMES: Final = frozenset(
    {"alpha", "\\alpha", "α", "ɑ", "gamma", "\\gamma", "γ", "ɣ", "ˠ", "lambda", "\\lambda", "λ", "beta",
     "\\beta", "eps", "epsilon", "\\epsilon", "ϵ", "reg", "lam", "step", "N", "M", "m", "n", "K", "C",
     "k", "d", "D", "i", "j", "idx", "index", "ix"}
)  # fmt: skip

#: Words of prose (and of notes about code) that a note's first word can be, never a page's symbol.
_ENGLISH: Final = frozenset(
    """is are be was were been being the a an this that these those it its we our you your they their
    which what who whose when where while here there let denote denotes denoted representing represents
    represent means mean called call calls using use used of for to in on at by with from as and or not
    no so then thus hence also just only each every all any some both either neither one two first last
    next previous other another such same very more most less least vector matrix value values entry
    entries term terms function functions model models network layer class classes sample samples example
    examples number numbers corresponding given note notice recall since because if else otherwise
    combined gradient gradients grad multinomial issue comment formula docstring full softmax binary batch
    code torch sigmoid loss cost stable""".split()
)

#: ``p = softmax(x)``, ``Yhat = Sigma = softmax(Z)``, ``a = sigmoid(w^T x + b)``.
_APPLIED: Final = re.compile(
    r"^(?P<names>(?:\s*[^=()]+?\s*=)+)\s*(?P<function>softmax|SoftMax|sigmoid|σ|\\sigma)\s*\(\s*(?P<arg>[^()]*?)"
    r"\s*(?:[;,][^()]*)?\)\s*(?:_[a-z])?\s*(?P<rest>.*)$"
)
#: Words or a name that say a distribution is the teacher's or the targets (a distillation's soft targets).
_TEACHER: Final = re.compile(r"(?i)teacher|\b(?:soft\s+)?targets?\b")
#: ``x = logits``, ``z = targets``: a name, then words.
_NAMED: Final = re.compile(r"^\s*(?P<name>[^=\s]+)\s*=\s*(?P<words>[A-Za-z][A-Za-z -]*)$")
#: ``case i != target``, ``case y_i = k``, ``for i != j``, ``when i = j``, ``j \ne c (c the true class)``:
#: a condition the words state (a trailing bracket explains a letter). Without a word before it only an
#: inequality is a condition (``y = t`` alone may be a name's definition).
_CASE: Final = re.compile(
    r"^\s*(?P<lead>(?:(?:case|for|when|if|where|only|all|every|in|the|of|with)\s+)+)?"
    r"(?P<left>[A-Za-z][\w{}]*)\s*(?P<op>!=|≠|\\neq\b|\\ne\b|=)\s*(?P<right>[A-Za-z][\w{}]*)\s*"
    r"(?:\([^()]*\))?\s*$",
    re.I,
)
#: The argument of a softmax that names the logits: one letter (``x``, ``x_i``) or a word (``logits``), not
#: a product written without a sign (``XW``).
_ARGUMENT: Final = re.compile(r"\\?[A-Za-z](?:_[a-z])?|[a-z][a-z_]{2,}")
_LABEL_NAMES: Final = frozenset({"target", "label", "t", "c", "gt", "y_i", "yi", "y", "cls", "true"})
_INDEX: Final = re.compile(r"^[a-z]$")


#: ``e_j = exp(x_j)``, ``g_i = e^{a_i}``, ``gamma = 2``: a name, then a formula for it (a --define).
_FORMULA: Final = re.compile(
    r"^\s*(?P<name>(?:\\(?:hat|tilde|bar)\{[A-Za-z]\}|ŷ|ỹ|[A-Za-z][\u0302\u0303]|\\?[A-Za-z][A-Za-z0-9]*)(?:_\{?[A-Za-z0-9]+\}?)?"
    r"(?:\([^()=]*\))?)\s*=\s*"  # FL(p_t) = ...: a function of its argument
    r"(?P<value>[^=]+?)\s*$"
)
#: Words a formula may hold: its functions.
_FORMULA_WORDS: Final = frozenset(
    {"exp", "log", "ln", "sum", "softmax", "sigmoid", "max", "frac", "sqrt"}
    | {"alpha", "beta", "gamma", "delta", "epsilon", "eps", "lambda", "tau", "sigma", "theta", "mu"}
)


#: Words that go on with a formula's arithmetic: what follows them is part of the formula, said in words.
_ARITHMETIC_WORDS: Final = frozenset({"times", "plus", "minus", "over", "divided", "multiplied", "squared"})


def _formula_before_words(part: str) -> str:
    """``q_i = exp(z_i/T) / sum_j exp(z_j/T) the soft output at temperature T``: the formula before the words
    that follow it (the whole part when a word comes inside brackets, or no formula comes first)."""
    equals = part.find("=")
    for word in re.finditer(r"(?<![\\A-Za-z_])[A-Za-z]{3,}", part):
        if word.start() < equals or word.group(0).lower() in _FORMULA_WORDS:
            continue
        if word.group(0).lower() in _ARITHMETIC_WORDS:
            return part  # "L = T^2 times the cross-entropy": the formula goes on in words (not one alone)
        before = part[: word.start()].rstrip(" ,;:")
        balanced = before.count("(") == before.count(")") and before.count("{") == before.count("}")
        # a function or a quotient makes it a formula of its own ("f = W x_i class scores" stays words)
        functions = re.search(r"[/^]", before) or any(w in before.lower() for w in _FORMULA_WORDS)
        return before if balanced and functions else part
    return part


#: Functions of the model and of formulas, never a page's own name for a loss: softmax(z) = ... writes
#: out the model's softmax.
_MODEL_FUNCTIONS: Final = frozenset(
    {"softmax", "sigmoid", "sigma", "σ", "exp", "log", "ln", "tanh", "relu", "max", "sum", "mean"}
    | {"logsumexp", "lse"}
)


#: Words ending in a colon before a formula's name: "with an entropy bonus: L = ...".
_WORDS_AND_COLON: Final = re.compile(
    r"^\s*(?:[A-Za-z][\w.'-]*\s+)*[A-Za-z][\w.'-]*\s*:\s*(?=\\?[A-Za-z][\w{}]*(?:\([^()=]*\))?\s*=)"
)


#: A remark in brackets at the end of a formula, with a word in it (and brackets of its own):
#: ``(the paper's)``, ``(MSE on the softmax output p = softmax(z))``.
_REMARK_AT_THE_END: Final = re.compile(
    r"\s*\((?:[^()]|\([^()]*\))*(?<![\\A-Za-z])[A-Za-z]{3,}(?:[^()]|\([^()]*\))*\)\s*$"
)


def _formula_alone(part: str) -> str:
    """``focal loss FL(p_t) = -(1-p_t)^gamma log(p_t) (the paper's)``: the formula without the words
    before its name and a remark in brackets after it."""
    part = _REMARK_AT_THE_END.sub("", part)
    # "with an entropy bonus: L = ...", "cross-entropy in bits: L = ...": words that end in a colon
    part = _WORDS_AND_COLON.sub("", part)
    lead = re.match(r"^\s*(?:[a-z][a-z-]+\s+)+(?=\\?[A-Za-z][\w{}]*(?:\([^()=]*\))?\s*=)", part)
    if lead is not None and not any(w in _FORMULA_WORDS for w in lead.group(0).split()):
        part = part[lead.end() :]
    return part


def _is_formula(value: str) -> bool:
    """Math, not words: every word of three letters or more is a function a formula uses."""
    words = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{3,}", value)
    return all(word.lower() in _FORMULA_WORDS for word in words) and not value.strip().endswith(("x", "by"))


#: Words before a note's first symbol ("where z are ...", "and t the ...").
_LEAD: Final = re.compile(r"^(?:(?:where|here|let|with|and|also|so|then)\s+)+", re.I)
#: Words between a symbol and its role ("z are the logits", "s: the softmax output", "p denotes").
_LINK: Final = re.compile(
    r"^(?::\s*|(?:is|are|be|denotes?|means?|represents?|stands\s+for|holds?|=)\s+)?(?:the|a|an)?\s*", re.I
)


def _parts(text: str) -> list[str]:
    """The note split at ``;``, at commas outside brackets and at " and " (each part names one symbol)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        if char in ";," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    split = [piece for part in parts for piece in re.split(r"\s+and\s+", part)]
    return [_LEAD.sub("", piece.strip()) for piece in split if piece.strip()]


def _without_brackets(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\([^()]*\)", " ", text)
    return " ".join(text.split())


def _page_name(name: str) -> str | None:
    """The name as ``--let`` takes it: ``\\hat{y}`` for ``ŷ``; a one-letter subscript that is an index
    (``y_i``) is dropped, any other (``z_t``, ``p_t``: one entry, or a second symbol) gives no name."""
    if name in ("ŷ", "y\u0302"):
        return "\\hat{y}"
    if name in ("ỹ", "y\u0303"):
        return "\\tilde{y}"
    one = re.fullmatch(r"([A-Za-z]+)_([A-Za-z])", name)
    if one is not None:
        return one[1] if one[2] in "ijklmnq" else None
    return name


#: The role of a symbol the words call a loss other than the cross-entropy.
_OTHER_LOSS_ROLE: Final = "another loss"


#: A noun that names a loss function.
_LOSS_NOUN: Final = re.compile(r"\b(?:loss|error|errors|cost|objective|divergence|criterion)\b", re.I)


def _role(words: str, name: str, said: str = "") -> str | None:
    """The role the words after a symbol give it (``said``: those words as written, brackets kept)."""
    cut = _CONNECTOR.split(f" {words} ", maxsplit=1)[0].strip()
    if cut and OTHER_LOSS.search(cut) and _LOSS_NOUN.search(cut):
        return _OTHER_LOSS_ROLE  # "L is the mean squared error", "FL the focal loss"
    if _NO_ROLE.search(words):
        return None
    if not cut:
        return None
    bare = cut.lower().strip()
    if bare in ("softmax", "sigmoid", "softmax function") and name in _FUNCTION_NAMES:
        return None  # "sigma softmax": the function, not its output
    for role, pattern in ROLE_PHRASES:
        if pattern.search(cut):
            if role == "H" and OTHER_LOSS.search(words):
                return _OTHER_LOSS_ROLE  # "L is the mean squared error": a loss, not the cross-entropy
            targets = name in ("y", "Y", "t", "T") or bool(_TARGETS_SAID.search(f"{name} {words} {said}"))
            if role == "a" and targets and not _OUTPUT_SAID.search(cut):
                # "y is a probability distribution", "target: class probabilities (soft labels)": the targets
                return "y"
            return role
    return None


#: Words that say an index is the true class: "k is the true label", "i the correct class".
_TRUE_CLASS_SAID: Final = re.compile(
    r"\b(?:true|correct|target|right)\s+(?:label|class)\b(?!\s+probabilit)", re.I
)
#: Words that say a letter is the true class itself: "the true class", "is the index of the correct label".
_A_TRUE_CLASS: Final = re.compile(
    rf"(?:is\s+|=\s+|:\s*|denotes\s+)?(?:the\s+)?(?:index\s+of\s+the\s+)?{lx.TRUE_CLASS_WORDS}(?:\s+index)?\s*$",
    re.I,
)
#: Words that say a label is one class's number: "y the integer class label", "t the class index".
_A_CLASS_NUMBER: Final = re.compile(
    r"\binteger\s+(?:class\s+)?(?:label|index)\b(?!s)|\bclass\s+(?:index|number|id)\b(?!s)", re.I
)
#: Letters pages use for a class index.
_INDEX_LETTERS: Final = frozenset({"i", "j", "k", "c", "l", "m", "n"})

#: Words or a name that say a symbol is the targets (soft ones): "soft labels", "target".
_TARGETS_SAID: Final = re.compile(r"\b(?:soft\s+)?(?:labels?|targets?)\b", re.I)

#: Words that say a symbol is the model's output, not only a probability (distribution).
_OUTPUT_SAID: Final = re.compile(
    r"\bsoftmax\b|\bpredict|\boutputs?\b|\bactivations?\b|\bmodel'?s?\b|\bnetwork'?s?\b|\bestimat", re.I
)


#: A plural role noun right after a letter ("a logits"): the letter is a symbol, not the article.
_PLURAL_ROLE: Final = re.compile(
    r"(?:logits|scores|outputs|probabilities|activations|predictions|targets|labels|inputs)\b", re.I
)


#: A sum in a definition's value.
_SUMMED: Final = re.compile(r"\\sum|\bsum(?![A-Za-z])|Σ|∑")


@functools.lru_cache(maxsize=64)  # one page's words, read once for every reading of its claim
def read_words(text: str) -> PageWords:
    """The options a page's words about its notation give (see the module docstring)."""
    from derive.claims.mapping import CANONICAL, CANONICAL_BATCH, SIZE_NAMES

    text = re.sub(r"\$+|\\[()\[\]]", " ", text[:MAX_WORDS_CHARS])  # math delimiters around symbols
    text = _WORD_WRAPPER.sub(r" \1", text)  # \text{ where }, \operatorname{softmax}: the words inside
    text = re.sub(r"[ \t]{2,}", " ", text)
    lets: dict[str, tuple[str, str]] = {}
    where: list[tuple[str, str]] = []
    defines: list[tuple[str, str]] = []
    confirms: list[str] = []

    others: list[tuple[str, str]] = []
    sigmoids: list[tuple[str, str]] = []

    def let(name: str | None, canonical: str, words: str, scripted: bool = False) -> None:
        if canonical == _OTHER_LOSS_ROLE:
            if name is not None and name.lower() not in _ENGLISH:
                others.append((name, words))
            return
        if name is not None and name == _BATCH_LETTERS.get(canonical) and _A_BATCH_SAID.search(words):
            canonical = name  # "X the design matrix (m x n)": the batch's own letter, not one example's x
        if name == canonical and words not in confirms:
            confirms.append(words)
        # "k is the true label": an index letter (a size or a parameter elsewhere) named as the true class
        true_class = canonical == "y" and name in _INDEX_LETTERS and bool(_TRUE_CLASS_SAID.search(words))
        if true_class and name != "c":
            canonical = "c"  # the true class (--let k=c), not the targets' vector
        elif true_class:
            lets["c"] = ("c", words)  # "c the true class": c is not any class (--let c=c), as words say
            return
        if name is None or (name in _PARAMETER_NAMES and not true_class) or name == canonical or name in lets:
            return
        if name.lower() in _ENGLISH and not scripted:
            return  # prose, not a symbol: "is the unnormalized logit", "denotes the labels" (a_k is one)
        lets[name] = (canonical, words)

    parts = _parts(text)
    # q = softmax(z) the student's, p = softmax(v) the teacher's: one softmax is the model's (applied to z,
    # else the first); the other is a fixed distribution, never the model's output
    softmaxes = [m for m in map(_APPLIED.match, parts) if m is not None]
    # q = softmax(teacher_logits) soft targets: the teacher's (a distillation's targets), never the model's
    applied_to = [m["arg"].strip() for m in softmaxes if not _TEACHER.search(f"{m['arg']} {m['rest']}")]
    model_argument = "z" if "z" in applied_to else applied_to[0] if applied_to else None
    for part in parts:
        case = _CASE.match(part)
        if case is not None and (case["lead"] or case["op"] != "="):
            left, right = case["left"], case["right"]
            op = "=" if case["op"] == "=" else "!="
            if right in _LABEL_NAMES and _INDEX.match(left):
                where.append((f"{left} {op} c", part))
            elif left in _LABEL_NAMES and _INDEX.match(right):
                where.append((f"{right} {op} c", part))
            elif _INDEX.match(left) and _INDEX.match(right):
                where.append((f"{left} {op} {right}", part))
            continue
        applied = _APPLIED.match(part)
        if applied is not None:
            if applied["arg"].strip() != model_argument:
                # the other softmax (the teacher's softmax(v)): a fixed distribution, the targets
                for raw in applied["names"].split("=")[:-1]:
                    symbol = _SYMBOL.match(raw.strip())
                    if symbol is not None and symbol.end() == len(raw.strip()):
                        let(_page_name(symbol["name"]), "y", part)
                continue
            for raw in applied["names"].split("=")[:-1]:
                symbol = _SYMBOL.match(raw.strip())
                if symbol is not None and symbol.end() == len(raw.strip()):
                    let(_page_name(symbol["name"]), "a", part)
            argument = _SYMBOL.match(applied["arg"])
            if _ARGUMENT.fullmatch(applied["arg"]) and argument is not None:
                let(_page_name(argument["name"]), "z", part)
            continue
        named = _NAMED.match(part)
        if named is not None:
            symbol = _SYMBOL.match(named["name"])
            role = _role(named["words"], named["name"])
            if symbol is not None and role is not None:
                let(_page_name(symbol["name"]), role, part)
            continue
        listed = _LISTED.match(part)
        listed_role = _role(_LINK.sub("", listed["words"], count=1), listed["name"]) if listed else None
        if listed is not None and listed_role is not None:
            role = listed_role
            # "Y = [y_1, y_2, y_3] logits": the vector and the letter of its entries have the role
            let(_page_name(listed["name"]), role, part, scripted=True)
            if listed["entry"] != listed["name"]:
                let(listed["entry"], role, part, scripted=True)
            continue
        if "=" in part:
            if _LOSS_OF_EXAMPLES.search(part) is not None:
                continue  # L = 1/N sum_n L_n: the batch's loss (see _batch_loss), no definition
            formula = _FORMULA.match(_formula_before_words(_formula_alone(part)))
            base = formula["name"].split("(")[0].lstrip("\\") if formula is not None else ""
            if formula is not None and "(" in formula["name"] and base.lower() in _MODEL_FUNCTIONS:
                continue  # softmax(z_i) = e^{z_i}/sum: the model's own function, written out (no definition)
            if formula is not None and _is_formula(formula["value"]):
                name = _page_name(formula["name"].split("(")[0])
                # Z = sum_j exp(z_j): a batch's letter used for a sum of one example's entries
                summed = name in CANONICAL_BATCH and _SUMMED.search(formula["value"]) is not None
                own = name not in CANONICAL and (name not in CANONICAL_BATCH or summed)
                own = own and name not in SIZE_NAMES
                if own and name not in lets:  # the model's own letters and sizes are not redefined
                    defines.append((f"{formula['name']} = {formula['value'].strip()}", part))
            continue  # a definition of its own, or words with an equals sign: not a role
        symbol = _SYMBOL.match(part)
        if symbol is None:
            continue
        words = _LINK.sub("", _without_brackets(part[symbol.end() :]).strip(), count=1)
        if _SIGMOID_FUNCTION.fullmatch(words) and symbol["name"] in _FUNCTION_NAMES - {"sigmoid"}:
            sigmoids.append((symbol["name"], part))  # "s sigmoid": the letter names the function
            continue
        if symbol["name"] in ("y", "t") and not symbol["script"] and _A_CLASS_NUMBER.search(words):
            let(symbol["name"], "c", part)  # "y the integer class label": one class's number, no vector
            continue
        if symbol["name"] in _INDEX_LETTERS and not symbol["script"] and _A_TRUE_CLASS.match(words):
            let(symbol["name"], "y", part)  # "c the true class", "k is the index of the correct label"
            continue
        role = _role(words, symbol["name"], part[symbol.end() :]) if words else None
        if role is not None:
            name = _page_name(symbol["name"])
            # "a logits", "a activations": the article never comes before a plural, so a is a symbol
            plural = _PLURAL_ROLE.match(words) is not None
            let(name, role, part, scripted=name != symbol["name"] or bool(symbol["script"]) or plural)
    binary = _BINARY.search(text)
    loss = ("sigmoid-bce", binary.group(0)) if binary is not None and not _SOFTMAX.search(text) else None
    temperature = _TEMPERATURE.search(text)
    if loss is None and temperature is not None:
        loss = ("temperature", temperature.group(0))
    smoothing = _LABEL_SMOOTHING.search(text)
    if loss is None and smoothing is not None:
        loss = ("label-smoothing", smoothing.group(0))
    return PageWords(
        tuple((f"{name}={canonical}", words) for name, (canonical, words) in lets.items()),
        tuple(where),
        loss,
        tuple(defines),
        means_of_words(text),
        _batch_loss(text),
        tuple(confirms),
        tuple(others),
        tuple(sigmoids),
    )


def loss_of_examples(definition: str) -> str | None:
    """``mean`` or ``sum`` when a definition makes a loss the mean or the sum of its examples' losses of the
    same name (``L = \\frac{1}{N}\\sum_n L_n``, ``J = 1/m sum_i J^{(i)}``); None for any other definition."""
    found = _LOSS_OF_EXAMPLES.fullmatch(definition.strip())
    return _mean_or_sum(found) if found is not None else None


def _mean_or_sum(found: re.Match[str]) -> str:
    """How a :data:`_LOSS_OF_EXAMPLES` match makes the batch's loss: with 1/N the mean, else the sum."""
    return "mean" if found["mean"] else "sum"


def _batch_loss(text: str) -> tuple[str, str] | None:
    """``sum`` or ``mean`` when the words say how a batch's loss is made of its examples' (never when they
    say both)."""
    examples = _LOSS_OF_EXAMPLES.search(text)
    if examples is not None:
        return _mean_or_sum(examples), " ".join(examples.group(0).split())
    summed, mean = _BATCH_SUM.search(text), _BATCH_MEAN.search(text)
    if summed is not None and mean is None:
        return "sum", summed.group(0)
    if mean is not None and summed is None:
        return "mean", mean.group(0)
    return None


def gradient_letter(words: str) -> str | None:
    """The model's letter for what the words name, when a gradient can be by it ("the logits": z, "the
    weights": W); the first role phrase that matches, in :data:`ROLE_PHRASES`' order."""
    found = (letter for letter, pattern in ROLE_PHRASES if letter in _MEANS_LETTERS and pattern.search(words))
    return next(found, None)


#: "the gradient of logsumexp(z)", "derivative of the softmax": what a gradient the words name is of.
_GRADIENT_OF: Final = re.compile(
    r"\b(?:gradients?|derivatives?|Jacobian|grad)\s+(?P<of>of\s+[^.;:,]{1,60}?)"
    r"(?=\s*(?:$|[.;:,]|\b(?:with\s+respect\s+to|w\.\s?r\.\s?t\.?|wrt|by|for|is|are|in)\b))",
    re.I,
)


def gradient_of_another(text: str) -> tuple[str, str | None] | None:
    """The words, when they say the claim is the gradient of something that is not the loss ("gradient of
    logsumexp(z)", "the derivative of the softmax"): a code's value is then never read as the loss's. With
    the name they say it of, when they name one ("dS is the derivative of softmax": dS)."""
    for found in _GRADIENT_OF.finditer(text):
        if not OF_THE_LOSS.fullmatch(found["of"]):
            subject = _SUBJECT.search(text[: found.start()])
            return " ".join(found.group(0).split()), subject["name"] if subject is not None else None
    return None


#: The name a phrase is about, right before it: "dS is (the)", "grad = ", "dx: ".
_SUBJECT: Final = re.compile(r"(?P<name>[A-Za-z_]\w*)\s*(?:is|are|=|:|：)\s*(?:the\s+|a\s+)?$", re.I)


def means_of_words(text: str) -> tuple[str, str] | None:
    """``dH/dz`` for words that say "the gradient w.r.t. the logits" (or name z, W, b, a, x there); None when
    the words also name another loss (a focal loss's gradient is not the model's) or a role it cannot be."""
    phrase = WRT_PHRASE.search(text)
    if phrase is None or OTHER_LOSS.search(text) or not OF_THE_LOSS.fullmatch(phrase["of"].rstrip(" (")):
        return None  # none, another loss's, or not a loss's ("the gradient of logsumexp w.r.t. z")
    words = re.split(r"[,\n]", phrase["object"])[0].strip()
    letter = gradient_letter(words)
    for token in words.split():
        symbol = _MEANS_SYMBOL.fullmatch(token.strip("`'\"$"))
        if symbol is not None:
            if letter not in (None, symbol["letter"], symbol["letter"].upper()):
                return None  # the words name one role and another letter: not a reading to choose
            letter = symbol["letter"]  # w, a weight vector, as the page writes it
    if letter is None:
        return None
    said = text[phrase.start() : phrase.start("object")] + words
    return f"dH/d{letter}", " ".join(said.split())


#: A derivative written inside words: ``dL/dz_i for L = ...``, ``d CE/dz_k``, ``∂L/∂o``, ``dJ/dtheta``.
_WRITTEN_DERIVATIVE: Final = re.compile(
    r"(?<![\w\\])(?P<sign>-\s?)?(?:d|∂|\\partial\s?)\s?(?P<of>[A-Za-z]\w*?)\s?/\s?(?:d|∂|\\partial\s?)\s?"
    r"(?P<wrt>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z]{2,}\w*)?)(?:_\{?[A-Za-z0-9]{1,2}\}?)?(?![\w(])"
)

#: Words in a --means: two words of letters in a row, one of at least three ("gradient w.r.t. the logits").
_PROSE: Final = re.compile(r"(?<![\\\w])(?:[A-Za-z]{3,}\s+[A-Za-z]{2,}|[A-Za-z]{2,}\s+[A-Za-z]{3,})\b")


def is_prose(text: str) -> bool:
    """Whether a ``--means`` is written in words (``the gradient w.r.t. the logits``) rather than as a
    derivative (``dH/dz``, ``dW = dH/dW``, ``d cross_entropy / d y_pred``)."""
    if _PROSE.search(_WORD_WRAPPER.sub(" ", text)) is not None:
        return True
    derivative = _WRITTEN_DERIVATIVE.match(text.strip())
    rest = text.strip()[derivative.end() :] if derivative is not None else ""
    return re.match(r"\s*(?:[,:;(]|(?:for|where|with|of|when|at|as)\b)", rest) is not None


def means_option(text: str) -> tuple[str, str] | None:
    """The ``--means`` that words about a value say: a derivative written in them (``dL/dz_i for the true
    class`` gives ``dL/dz``, ``-dFL/dz`` its sign too), else the gradient they name ("gradient of the loss
    w.r.t. the logits": ``dH/dz``); None when they say neither, or name several derivatives."""
    written = list(_WRITTEN_DERIVATIVE.finditer(text))
    if len({(m["of"], m["wrt"]) for m in written}) == 1:
        first = written[0]
        sign = "-" if first["sign"] else ""
        return f"{sign}d{first['of']}/d{first['wrt']}", " ".join(first.group(0).split())
    if written:
        return None
    return means_of_words(text)
