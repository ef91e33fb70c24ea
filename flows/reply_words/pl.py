"""Polish answer words. The reader drops the accents and folds ł to l, so "wciąż" and
"wciaz" are one word, as are "załatwione" and "zalatwione"."""

from __future__ import annotations

YES = {
    "tak",
    "jasne",
    "naprawione",
    "naprawiono",
    "naprawili",
    "naprawiona",
    "naprawiony",
    "zrobione",
    "zrobiono",
    "zrobili",
    "załatwione",
    "załatane",
    "załatana",
    "załatany",
    "załatali",
    "gotowe",
    "zgadza",
}
NO = {"nie", "niestety", "nic"}
NEGATORS = {"nie", "nikt", "ani"}
PROBLEM_WORDS = {
    "połowę",
    "połowa",
    "pół",
    "nadal",
    "wciąż",
    "ciągle",
    "dalej",
    "zepsute",
    "zepsuty",
    "zepsuta",
    "źle",
    "krzywo",
    "zła",
    "zły",
}
PROBLEM_PHRASES = ["jest tak samo", "to samo", "po drugiej stronie"]
DOUBT_WORDS = {"może", "chyba", "sprawdzę", "zobaczę", "wyjeździe", "urlopie"}
DOUBT_PHRASES = [
    "nie wiem",
    "nie jestem pewien",
    "nie jestem pewna",
    "nie sprawdzałem",
    "nie sprawdzałam",
    "nie widziałem",
    "nie widziałam",
    "nie patrzyłem",
    "nie patrzyłam",
    "nie byłem",
    "nie byłam",
    "nie miałem czasu",
    "nie miałam czasu",
    "nie miałem jeszcze czasu",
    "nie miałam jeszcze czasu",
    "nie było mnie",
    "nie ma mnie",
    "nie mogę sprawdzić",
    "nie mogłem sprawdzić",
    "nie mogłam sprawdzić",
    "nie rozumiem",
    "nie zdążyłem",
    "nie zdążyłam",
]
COURTESY_PHRASES = ["nie ma problemu", "nie ma za co"]
APPROVAL_WORDS = {"super", "świetnie", "dobrze", "idealnie", "elegancko"}
# "No" before a yes-word is Polish for "well": "No tak", "No jasne".
APPROVAL_PHRASES = [
    "no tak",
    "no jasne",
    "wszystko ok",
    "wszystko okej",
    "w porządku",
    "wszystko gra",
    "jest ok",
    "jest dobrze",
]
BUT = {"ale", "tylko", "jednak", "oprócz"}
CAUTION_PHRASES: list[str] = []
SIGN_OFFS = {"pozdrawiam", "pozdrowienia", "poważaniem"}
# "tak" is a Polish and Ukrainian yes, and a Dutch branch: a yes in those cases, or as the first word.
FALSE_FRIENDS = {"tak": {"pl", "uk"}}
CONJUNCTIONS = {"i", "a", "albo", "lub", "czy"}
