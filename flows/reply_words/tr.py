"""Turkish answer words. Written as Turks write them; the reader folds ı to i and drops the
accents (ş, ğ, ü, ö, ç), so "hayır", "HAYIR" and "hayir" are one word."""

from __future__ import annotations

YES = {
    "evet",
    "evt",
    "ewet",  # chat spelling
    "aynen",  # exactly
    "tamamdır",
    "oldu",
    "olmuş",
    "düzeldi",
    "düzelmiş",
    "düzeltildi",
    "düzeltilmiş",
    "yapıldı",
    "yapılmış",
    "yaptılar",
    "yapmışlar",
    "halledildi",
    "halledilmiş",
    "halloldu",
    "hallettiler",
    "halletmişler",
    "onarıldı",
    "onarılmış",
    "kapandı",
}
NO = {"hayır", "yok", "maalesef", "malesef"}
# Turkish says "not" with a suffix: the denied verbs are listed as they are written.
NEGATORS = {
    "değil",
    "olmadı",
    "olmamış",
    "yapılmadı",
    "yapılmamış",
    "yapmadı",
    "yapmadılar",
    "yapmamışlar",
    "düzelmedi",
    "düzelmemiş",
    "düzeltilmedi",
    "düzeltilmemiş",
    "gelmedi",
    "gelmediler",
    "gelen",  # "gelen giden yok": nobody came
    "halledilmedi",
    "onarılmadı",
    "edilmedi",
    "bitmedi",
    "bitmemiş",
}
PROBLEM_WORDS = {"hala", "hâlâ", "bozuk", "yanlış", "kimse", "duruyor", "eksik", "yarım", "karşı", "aynı"}
PROBLEM_PHRASES = ["yine bozuk", "hala orada", "aynen duruyor"]
DOUBT_WORDS = {"bilmiyorum", "bilmem", "belki", "galiba", "sanırım", "bakmadım", "bakamadım", "görmedim", "tatildeyim"}
DOUBT_PHRASES = [
    "emin değilim",
    "kontrol etmedim",
    "kontrol edemedim",
    "henüz bakmadım",
    "evde değilim",
    "bakacağım",
    "bakarım",
    "fırsat bulamadım",
]
COURTESY_PHRASES = ["sorun değil", "rica ederim", "allah razı olsun"]
APPROVAL_WORDS = {"güzel", "süper", "mükemmel"}
APPROVAL_PHRASES = [
    "tamir edildi",
    "tamir edilmiş",
    "tamir ettiler",
    "tamir etmişler",
    "sorun yok",
    "her şey yolunda",
    "her şey tamam",
    "iyi olmuş",
    "çok iyi",
]
BUT = {"ama", "fakat", "ancak", "yalnız", "sadece"}
CAUTION_PHRASES: list[str] = []
SIGN_OFFS = {"saygılarımla", "saygılar", "selamlar", "iyi günler", "kolay gelsin"}
# "he" is a Turkish yes, and an English word: a yes only in a Turkish case, or as the first word.
FALSE_FRIENDS = {"he": {"tr"}}
# "Ne zaman gelecekler?": in a Turkish case "ne" is "what", never a stretched Dutch "nee".
NOT_ANSWERS = {"ne": {"tr"}}
CONJUNCTIONS = {"ve", "veya", "ya", "yoksa"}
YES |= {"he", "hee"}
