"""Generate corpus.txt, the word-level corpus of the rnn_language_model assignment.

    python make_corpus.py                 # rewrites corpus.txt next to this file
    python make_corpus.py --output PATH   # writes elsewhere (same bytes)

The output is fixed: the seed and the sentence count are constants, and the only source of
randomness is random.Random(SEED).random() (the Mersenne Twister, whose stream Python keeps
stable), so every run on every machine writes the same bytes.

The corpus is generated from the small weighted context-free grammar GRAMMAR below: one
sentence per line, lower case, ASCII, ending with "." written against its last word. What a
language model can learn from it, from easy to hard:

- quantities: "a"/"one"/"every"/"this" take a singular noun, "two"/"three"/"four"/"many"/
  "some"/"these" a plural one ("two dogs", never "two dog"); plurals can also stand bare;
  irregular plurals (men, women, children, mice);
- "a" before a consonant, "an" before a vowel ("an old owl", "a big egg");
- subject-verb agreement, also across a relative clause: "the dog that the cats chase
  sleeps." (the verb agrees with "dog", not with the nearer "cats");
- transitivity: "sleeps" never takes an object, "feeds" always does, "eats" may;
- selection: only people laugh, read or write; one eats food and reads books or letters;
- nested clauses: relative clauses on subjects and objects, subject-relative ("the boy
  that feeds the dogs") or object-relative with a gap ("the ball that the girl throws"),
  nested up to the length limit of MAX_TOKENS tokens;
- an optional adverbial at the end of the main clause ("in the park", "at night").

Eight rare animals (aardvark, emu, ibis, lemur, newt, otter, wombat, yak) are drawn 25 times
less often than the others, so that a capped vocabulary maps them to UNKNOWN_TOKEN.

is_grammatical(words) decides whether a list of tokens is a sentence of this grammar, so
the sentences a trained model generates can be counted as grammatical or not.
"""
import argparse
import random
from pathlib import Path

SEED = 20240611
N_SENTENCES = 3000
MAX_TOKENS = 16  # longer draws (deep nesting) are discarded, the final "." included
OUTPUT = Path(__file__).resolve().parent / "corpus.txt"

# ------------------------------------------------------------------ lexicon

NOUNS = {  # class -> [(singular, plural, weight)]
    "person": [("boy", "boys", 1), ("girl", "girls", 1), ("man", "men", 1),
               ("woman", "women", 1), ("child", "children", 1), ("teacher", "teachers", 1),
               ("farmer", "farmers", 1)],
    "animal": [("dog", "dogs", 1), ("cat", "cats", 1), ("bird", "birds", 1),
               ("mouse", "mice", 1), ("horse", "horses", 1), ("owl", "owls", 1),
               ("elephant", "elephants", 1),
               ("aardvark", "aardvarks", 0.04), ("emu", "emus", 0.04), ("ibis", "ibises", 0.04),
               ("lemur", "lemurs", 0.04), ("newt", "newts", 0.04), ("otter", "otters", 0.04),
               ("wombat", "wombats", 0.04), ("yak", "yaks", 0.04)],
    "food": [("apple", "apples", 1), ("cake", "cakes", 1), ("bone", "bones", 1),
             ("egg", "eggs", 1), ("carrot", "carrots", 1)],
    "thing": [("ball", "balls", 1), ("kite", "kites", 1), ("box", "boxes", 1),
              ("umbrella", "umbrellas", 1)],
    "text": [("book", "books", 1), ("letter", "letters", 1)],
}
ANIMATE = ("person", "animal")  # the classes that can be subjects

ADJECTIVES = {
    "person": ["big", "small", "old", "young", "hungry", "happy"],
    "animal": ["big", "small", "old", "young", "hungry", "happy"],
    "food": ["big", "small", "old", "red", "new"],
    "thing": ["big", "small", "old", "red", "new"],
    "text": ["old", "red", "new"],
}

# (singular, plural, subject classes)
INTRANSITIVE = [
    ("sleeps", "sleep", ANIMATE),
    ("runs", "run", ANIMATE),
    ("eats", "eat", ANIMATE),
    ("hides", "hide", ANIMATE),
    ("laughs", "laugh", ("person",)),
    ("sings", "sing", ("person",)),
    ("smiles", "smile", ("person",)),
]

# (singular, plural, subject classes, object classes)
TRANSITIVE = [
    ("sees", "see", ANIMATE, ("person", "animal", "food", "thing", "text")),
    ("likes", "like", ANIMATE, ("person", "animal", "food", "thing")),
    ("chases", "chase", ANIMATE, ("animal", "thing")),
    ("eats", "eat", ANIMATE, ("food",)),
    ("finds", "find", ANIMATE, ("food", "thing", "text")),
    ("carries", "carry", ANIMATE, ("food", "thing", "text")),
    ("feeds", "feed", ("person",), ("person", "animal")),
    ("throws", "throw", ("person",), ("food", "thing")),
    ("reads", "read", ("person",), ("text",)),
    ("writes", "write", ("person",), ("text",)),
]

DETERMINERS = {  # number -> [(determiner, weight)]; "a" becomes "an" before a vowel
    "sg": [("the", 4), ("a", 3), ("one", 1), ("every", 1), ("this", 1)],
    "pl": [("the", 4), ("two", 1), ("three", 1), ("four", 1), ("many", 1), ("some", 1),
           ("these", 1)],
}

ADVERBIALS = [["today"], ["again"], ["at", "night"], ["in", "the", "park"],
              ["in", "the", "garden"]]

# ------------------------------------------------------------------ grammar


def build_grammar():
    """The grammar as {nonterminal: [(weight, [symbol, ...])]}; other symbols are words.

    Nonterminals carry their features in their names: "NP sg animal" is a singular noun
    phrase whose head is an animal. The weights of one nonterminal's rules are relative.
    """
    g = {}
    # Singular subjects a little more often than plural ones; an adverbial in one of five.
    g["S"] = [(wn * wa, ["NP %s %s" % (n, c), "VP %s %s" % (n, c)] + end)
              for n, wn in (("sg", 4), ("pl", 3)) for c in ANIMATE
              for end, wa in ((["."], 4), (["ADV", "."], 1))]
    g["ADV"] = [(1, words) for words in ADVERBIALS]

    for n in ("sg", "pl"):
        for c in ANIMATE:
            # Verb phrases: intransitive (weight 1 in all) or transitive (weight 1.5 in all).
            form = 0 if n == "sg" else 1
            intransitive = [v for v in INTRANSITIVE if c in v[2]]
            transitive = [v for v in TRANSITIVE if c in v[2]]
            g["VP %s %s" % (n, c)] = (
                [(1 / len(intransitive), [v[form]]) for v in intransitive]
                + [(1.5 / len(transitive) / len(v[3]), [v[form], "OBJ %s" % o])
                   for v in transitive for o in v[3]])

        for c in NOUNS:
            # Noun phrases: determiner (plurals may go without), adjective (weight 1 of 5),
            # relative clause (weight 1 of 6).
            dets = [(w, [d]) for d, w in DETERMINERS[n]]
            if n == "pl":
                dets.append((2, []))
            noms = [(4, ["N %s %s" % (n, c)]), (1, ["ADJ %s" % c, "N %s %s" % (n, c)])]
            g["NP %s %s" % (n, c)] = [
                (wd * wn * wr, d + nom + rc)
                for wd, d in dets for wn, nom in noms
                for wr, rc in [(5, []), (1, ["RC %s %s" % (n, c)])]]
            g["N %s %s" % (n, c)] = [(w, [noun[0] if n == "sg" else noun[1]])
                                     for *noun, w in NOUNS[c]]

            # Relative clauses on a noun of class c and number n: "that" + a verb phrase
            # agreeing with the noun (only animates can be subjects), or "that" + a subject
            # of any number and an agreeing transitive verb whose missing object is the noun.
            rules = []
            if c in ANIMATE:
                rules.append((1, ["that", "VP %s %s" % (n, c)]))
            gaps = [(m, d, v) for m in ("sg", "pl") for d in ANIMATE
                    for v in TRANSITIVE if d in v[2] and c in v[3]]
            rules += [(1 / len(gaps), ["that", "NP %s %s" % (m, d), v[0 if m == "sg" else 1]])
                      for m, d, v in gaps]
            g["RC %s %s" % (n, c)] = rules

    for c in NOUNS:
        g["OBJ %s" % c] = [(3, ["NP sg %s" % c]), (2, ["NP pl %s" % c])]
        g["ADJ %s" % c] = [(1, [a]) for a in ADJECTIVES[c]]
    return g


GRAMMAR = build_grammar()


def pick(rng, rules):
    """One rule's right-hand side, with probability proportional to its weight."""
    r = rng.random() * sum(w for w, _ in rules)
    for w, rhs in rules:
        r -= w
        if r < 0:
            return rhs
    return rules[-1][1]


def expand(rng, symbol, out):
    if symbol not in GRAMMAR:
        out.append(symbol)
        return
    for part in pick(rng, GRAMMAR[symbol]):
        expand(rng, part, out)


def a_or_an(words):
    """Write "an" for "a" before a word starting with a vowel."""
    return ["an" if w == "a" and i + 1 < len(words) and words[i + 1][0] in "aeiou" else w
            for i, w in enumerate(words)]


def generate_sentences(n=N_SENTENCES, seed=SEED):
    """n sentences as lists of tokens ("." is a token), each at most MAX_TOKENS long."""
    rng = random.Random(seed)
    sentences = []
    while len(sentences) < n:
        words = []
        expand(rng, "S", words)
        if len(words) <= MAX_TOKENS:
            sentences.append(a_or_an(words))
    return sentences


def corpus_text(n=N_SENTENCES, seed=SEED):
    """The file's text: one sentence a line, "." against the last word, a final newline."""
    return "".join(" ".join(words[:-1]) + ".\n" for words in generate_sentences(n, seed))


# ------------------------------------------------------------------ recogniser


def is_grammatical(words):
    """True when the list of tokens (e.g. ["the", "dog", "runs", "."]) is a sentence of GRAMMAR."""
    words = list(words)
    for i, w in enumerate(words):
        if w in ("a", "an"):
            if i + 1 == len(words) or w != a_or_an(["a", words[i + 1]])[0]:
                return False
            words[i] = "a"
    memo = {}

    def ends(symbol, i):
        """Every j such that symbol derives words[i:j]."""
        if symbol not in GRAMMAR:
            return {i + 1} if i < len(words) and words[i] == symbol else set()
        if (symbol, i) not in memo:
            memo[(symbol, i)] = set()  # the grammar has no left recursion; this is a guard
            found = set()
            for _, rhs in GRAMMAR[symbol]:
                positions = {i}
                for part in rhs:
                    positions = {j for p in positions for j in ends(part, p)}
                found |= positions
            memo[(symbol, i)] = found
        return memo[(symbol, i)]

    return len(words) in ends("S", 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    args = parser.parse_args()
    args.output.write_bytes(corpus_text().encode("ascii"))


if __name__ == "__main__":
    main()
