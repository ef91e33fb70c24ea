"""Held-out resident replies for measuring the reply interpreter's generalisation.

Written only from the reply policy, independently of the interpreter and its test table;
never tune the interpreter on these rows. To add a row, append (reply, expected, why) with
`expected` one of "yes", "no", "unclear", "opt_out", "opt_in", decided strictly by the policy.
"""

Q_NL = "Gemeente Utrecht: is uw melding MOR-42 (Kerkstraat 12) opgelost? Antwoord JA of NEE."
Q_NL_ZWOLLE = "Gemeente Zwolle: is uw melding MOR-907 (Assendorperstraat 40) opgelost? Antwoord JA of NEE."
Q_EN = "Gemeente Utrecht: is your report MOR-42 (Kerkstraat 12) fixed? Reply YES or NO."
Q_EN_AMERSFOORT = "Gemeente Amersfoort: is your report MOR-1187 (Langestraat 3) fixed? Reply YES or NO."

ROWS = [
    # (reply, expected, why)
    # ---- Dutch: yes ----
    ("Jazeker, netjes gedaan", "yes", "yes with praise"),
    (
        "Geachte heer/mevrouw,\n\nJa, de lantaarnpaal voor mijn deur brandt weer. Hartelijk dank voor de snelle actie.\n\nMet vriendelijke groet,\nJ. de Vries",
        "yes",
        "formal letter: ja + confirming description + sign-off",
    ),
    ("jup, alles netjes 👍🏽", "yes", "slang yes-word + thumbs up with skin tone"),
    ("Ja hoor, de stoeptegels liggen weer recht. Top!", "yes", "ja hoor + confirming description"),
    ("Opgelost, dank jullie wel 🙏🏻", "yes", "yes-word 'opgelost' + thanks + folded hands with skin tone"),
    (f"Vond “{Q_NL}” leuk", "yes", "Dutch iPhone positive tap-back quoting our question (curly quotes)"),
    (
        "idd, de put is schoongemaakt\n\nVerstuurd vanaf mijn iPhone",
        "yes",
        "'idd' + confirming description + phone signature",
    ),
    ("Jaaa super 😊", "yes", "stretched ja + praise + smile"),
    ("Gerepareerd ja, het bankje is weer heel", "yes", "yes-words first, confirming description"),
    ("jah is gemaakt tnx", "yes", "sloppy spelling, yes-word 'gemaakt' + thanks"),
    ("Ja hoor, er ligt geen troep meer naast de afvalbak", "yes", "'geen' here confirms the fix, it is not a no-word"),
    ("klopt helemaal, top gedaan mannen 👏🏼", "yes", "klopt + praise + clapping emoji with skin tone"),
    (
        f"Houdt van “{Q_NL_ZWOLLE}”",
        "yes",
        "Dutch 'Houdt van' tap-back quoting our question; JA/NEE inside quote ignored",
    ),
    (
        "Jawel, het speeltoestel mag weer gebruikt worden. Met vriendelijke groet, fam. Yilmaz",
        "yes",
        "jawel + confirming description + formal sign-off",
    ),
    ("Ja, geen klachten meer.\n\nVerzonden met mijn Galaxy", "yes", "like 'geen probleem meer' + Android signature"),
    # ---- Dutch: no ----
    ("Nee hoor, de lantaarnpaal doet het nog steeds niet", "no", "no-word + problem persists"),
    ("Neeee de boom ligt er nog steeds", "no", "stretched nee + problem persists"),
    (
        "ja maar de graffiti zit er nog op de achterkant van het bankje",
        "no",
        "yes with maar, but what follows says the problem persists",
    ),
    ("Helaas niet, het speeltoestel is nog steeds afgezet met lint", "no", "'helaas niet' + still closed off"),
    ("Er is hier helemaal niemand geweest hoor", "no", "nobody came"),
    (
        "Het gat is dicht maar ze hebben de stoeptegels er niet teruggelegd",
        "no",
        "work done wrong/incomplete, no yes-word",
    ),
    (
        "Geachte mevrouw/heer,\nTot mijn spijt moet ik u melden dat de lantaarnpaal nog altijd niet brandt.\nMet vriendelijke groet,\nmevr. A. Bakker-Jansen",
        "no",
        "formal letter stating the light still does not work",
    ),
    ("👎🏼", "no", "thumbs down alone, with skin tone"),
    (f"Vond “{Q_NL}” niet leuk", "no", "Dutch negative tap-back quoting our question"),
    ("neen, de put stinkt nog altijd", "no", "old-fashioned 'neen' + problem persists"),
    (
        "Niet helemaal, één lamp brandt wel maar de andere nog steeds niet",
        "no",
        "'niet helemaal' + partly still broken",
    ),
    (
        "Zeker niet, ze hebben de graffiti alleen overgeschilderd in een andere kleur. Ziet er niet uit",
        "no",
        "'zeker niet' + work done wrong",
    ),
    ("nee nog stteds kapot", "no", "nee + typo in 'nog steeds kapot'"),
    (
        "Ze hebben de verkeerde boom gesnoeid, die bij ons staat er nog precies zo bij",
        "no",
        "wrong job done, ours unchanged",
    ),
    # ---- Dutch: unclear ----
    (
        "Weet ik niet, ben er nog niet langs geweest",
        "unclear",
        "doesn't know; 'nog niet' is about visiting, not the fix",
    ),
    (
        "Ja maar het heeft wel 3 maanden geduurd",
        "unclear",
        "yes with maar adding a complaint that is not a problem with the job",
    ),
    (
        "Nee hoor, geen klachten, het is prima gemaakt",
        "unclear",
        "no-word and yes-word together without a problem statement",
    ),
    ("Oké, bedankt voor het bericht", "unclear", "acknowledgement, not an answer"),
    ("Stop maar met die berichten", "unclear", "contains 'stop' but is not the bare keyword; no answer"),
    ("Ik denk het wel, heb de ploeg vorige week zien werken", "unclear", "doubt, no yes-word"),
    ("Met wie spreek ik? Ik heb nergens iets gemeld", "unclear", "question back, doesn't know the report"),
    (
        "Vond “Gemeente Utrecht: de ploeg komt dinsdag langs voor uw melding MOR-42 (Kerkstraat 12).” leuk",
        "unclear",
        "positive tap-back quoting a different message, not our question",
    ),
    (
        "De lantaarnpaal brandt weer",
        "unclear",
        "description without any yes-word; the policy's yes bullets need a yes-word (arguable: 'plainly says it is fixed')",
    ),
    ("ik zit tot eind deze maand in Spanje dus kan niet kijken", "unclear", "away, cannot check"),
    ("Opgelost? Welk gat bedoelt u precies", "unclear", "question back"),
    # ---- English: yes ----
    ("yess all sorted 👍🏻", "yes", "stretched yes + 'sorted' + thumbs up with skin tone"),
    ("Yep, pothole's been filled. Cheers", "yes", "yep + confirming description + courtesy"),
    (f"Liked “{Q_EN}”", "yes", "iPhone Liked tap-back quoting our question"),
    (f"Loved “{Q_EN_AMERSFOORT}”", "yes", "iPhone Loved tap-back quoting our question (other municipality)"),
    (f"Reacted 👍🏾 to “{Q_EN}”", "yes", "Android reaction with skin-tone thumbs up quoting our question"),
    (
        "Dear Sir or Madam,\n\nI can confirm that the kerb has been repaired. Many thanks to your crew.\n\nKind regards,\nP. Smith",
        "yes",
        "formal letter: 'repaired' + thanks + sign-off",
    ),
    ("Yeah it's done, the bench looks brand new 😊", "yes", "yeah + done + confirming description"),
    ("Fixed!\n\nSent from my iPhone", "yes", "yes-word + phone signature"),
    ("👌🏿", "yes", "OK-hand alone with skin tone"),
    ("No problem, all repaired now 🙂", "yes", "'no problem' is a courtesy; 'repaired'"),
    ("yup the drain's clear now, thanks a lot", "yes", "yup + confirming description + thanks"),
    ("Yes thank you very much\nSent from my Samsung Galaxy smartphone.", "yes", "yes + thanks + Android signature"),
    # ---- English: no ----
    ("nope, drain is still blocked", "no", "nope + problem persists"),
    ("nah the light's still off at night", "no", "nah + light still off"),
    ("Not yet, there's still barrier tape round the hole", "no", "'not yet' + problem persists"),
    (
        "Yes but the pothole is still there, they filled the one across the road instead",
        "no",
        "yes but problem persists / wrong hole filled",
    ),
    ("the bin was emptied but the bags are still there", "no", "description that the problem persists, no yes-word"),
    ("No one ever showed up mate", "no", "nobody came"),
    (f"Disliked “{Q_EN}”", "no", "negative tap-back quoting our question"),
    ("Not really, they patched it but it's already crumbling again", "no", "'not really' + got worse"),
    (
        "Sorry to say it isn't fixed. The bollard is still lying on the pavement.",
        "no",
        "negated fix + problem persists",
    ),
    ("They put the new bollards in the wrong place, now I can't get my car out", "no", "work done wrong"),
    ("NO!! streetlight STILL flickering", "no", "shouted no + problem persists"),
    # ---- English / neutral: unclear ----
    ("idk haven't walked past yet", "unclear", "slang 'don't know', hasn't checked"),
    ("sorry who's this? what report??", "unclear", "question back"),
    ("Yes but it took them ages", "unclear", "yes with but adding a complaint that is not a problem with the job"),
    ("ok thx", "unclear", "acknowledgement, not an answer"),
    (f"Laughed at “{Q_EN}”", "unclear", "Laughed-at reaction is unclear"),
    (
        "Liked “Gemeente Utrecht: a crew will visit your report MOR-42 (Kerkstraat 12) on Tuesday.”",
        "unclear",
        "Liked reaction quoting a different message",
    ),
    ("No idea, ask my husband", "unclear", "'no idea' is not knowing, not a no"),
    ("stop texting me please", "unclear", "not the bare keyword; no answer"),
    ("2", "unclear", "number alone"),
    (
        "The streetlight is working again",
        "unclear",
        "description without any yes-word; the policy's yes bullets need a yes-word (arguable: 'plainly says it is fixed')",
    ),
    ("Can't tell, I'm abroad until the 20th", "unclear", "away, cannot check"),
    ("😡😡", "unclear", "angry emoji alone"),
    # ---- carrier keywords ----
    ("Stop!!", "opt_out", "keyword with trailing punctuation"),
    ("UNSUBSCRIBE", "opt_out", "keyword"),
    ("  quit! ", "opt_out", "keyword, lower case, whitespace and punctuation around"),
    ("START", "opt_in", "keyword"),
    ("unstop", "opt_in", "keyword, lower case"),
]
