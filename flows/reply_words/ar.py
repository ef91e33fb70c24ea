"""Arabic answer words: Modern Standard Arabic and the dialects spoken here (Moroccan,
Egyptian, Levantine, Iraqi). The reader drops diacritics and tatweel and writes every alef
as ا, ى as ي and ة as ه, so list each word once, in any of its spellings."""

from __future__ import annotations

YES = {
    "نعم",
    "ايوه",
    "ايوا",
    "اه",
    "اجل",
    "بلى",
    "تم",
    "تمام",
    "خلاص",
    "صح",
    "مزبوط",
    "مظبوط",
    "انصلح",
    "اتصلح",
    "تصلح",
    "تصلحت",
    "اصلحوه",
    "اصلحوها",
    "اصلحوا",
    "واخا",
    "انحلت",
    "انحل",
    "اتحلت",
    "اتحل",
    "naam",
    "na3am",
    "aywa",
    "aiwa",
    "iyeh",
}
NO = {"لا", "لاء", "كلا", "للاسف", "الاسف", "la2"}
NEGATORS = {"mesh", "msh", "mish", "لا", "لم", "لن", "ليس", "ليست", "مش", "مو", "ما", "مكاينش", "ماكاين"}
PROBLEM_WORDS = {
    "نصها",
    "نصه",
    "نصف",
    "لازال",
    "مازال",
    "مازالت",
    "لاتزال",
    "مكسور",
    "مكسوره",
    "خربان",
    "خربانه",
    "غلط",
    "خطا",
    "نفسه",
    "محد",
}
PROBLEM_PHRASES = ["لا يزال", "لا تزال", "ما زال", "ما زالت", "لا احد", "ما حدا", "الجهه الاخرى", "الجهه المقابله"]
DOUBT_WORDS = {"ربما", "يمكن", "معرفتش", "مسافر", "مسافره", "بعرفش"}
DOUBT_PHRASES = [
    "لا اعرف",
    "لا ادري",
    "ما بعرف",
    "ما اعرف",
    "ما نعرفش",
    "مش عارف",
    "مش عارفه",
    "لست متاكد",
    "لست متاكده",
    "مش متاكد",
    "مش متاكده",
    "لم اتحقق",
    "msh 3arfa",
    "msh 3aref",
    "mesh 3arfa",
    "mesh 3aref",
    "mish 3arif",
    "ma ba3ref",
    "لم اتمكن",
    "ما قدرت",
    "مش في البيت",
    "مش بالبيت",
    "لست في البيت",
    "لست في المنزل",
    "ما فهمت",
    "لا افهم",
    "لم ار",
    "لم انظر",
    "ما شفت",
    "ما شفتش",
    "سوف اتحقق",
    "ساتحقق",
    "راح اشوف",
]
# Blessings and thanks that hold a no-word ("ما", "لا"): never an answer by themselves.
COURTESY_PHRASES = ["ما شاء الله", "لا مشكله", "لا شكر على واجب", "ان شاء الله", "الحمد لله", "جزاكم الله خيرا"]
APPROVAL_WORDS = {"ممتاز", "مزيان", "زوين", "منيح", "كويس"}
APPROVAL_PHRASES = [
    "ما في مشكله",
    "مافي مشكله",
    "لا توجد مشكله",
    "لا توجد اي مشكله",
    "كل شي تمام",
    "كل شيء تمام",
    "كل شيء جيد",
    "كل شي مزيان",
]
BUT = {"لكن", "ولكن", "بس", "الا", "غير"}
CAUTION_PHRASES: list[str] = []
SIGN_OFFS = {"تحياتي", "السلامه"}
# Latin-script Arabic ("Arabizi"): "la" is also a Dutch drawer and an English note.
NO |= {"la"}
FALSE_FRIENDS = {"la": {"ar"}}
CONJUNCTIONS = {"و", "او", "ولا"}
