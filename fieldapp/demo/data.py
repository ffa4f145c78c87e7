"""The fictional families, staff and courses that `flask demo` loads."""

from __future__ import annotations

# (username, full name, role, locale)
STAFF = [
    ("admin", "Arta Administratore", "admin", "sq"),
    ("coordinator", "Drita Koordinatore", "coordinator", "sq"),
    ("social", "Besa Punonjëse", "social_worker", "sq"),
    ("psych", "Milica Psiholog", "psychologist", "sr_Latn"),
    ("instructor", "Agron Instruktori", "instructor", "sq"),
]

# family name, municipality, village, programme, assigned to, members:
# (full name, birth year, sex, relationship, school, grade)
FAMILIES = [
    (
        "Krasniqi",
        "prishtine",
        "Bardhosh",
        "prevention",
        ["social"],
        [
            ("Fatime Krasniqi", 1982, "female", "head", "", ""),
            ("Arben Krasniqi", 2011, "male", "child", "Shkolla 'Naim Frashëri'", "8"),
            ("Leutrim Krasniqi", 2013, "male", "child", "Shkolla 'Naim Frashëri'", "6"),
        ],
    ),
    (
        "Gashi",
        "prizren",
        "Landovicë",
        "prevention",
        ["social"],
        [
            ("Shpresa Gashi", 1979, "female", "head", "", ""),
            ("Valon Gashi", 2010, "male", "child", "Shkolla 'Lidhja e Prizrenit'", "9"),
            (
                "Blerina Gashi",
                2012,
                "female",
                "child",
                "Shkolla 'Lidhja e Prizrenit'",
                "7",
            ),
        ],
    ),
    (
        "Berisha",
        "ferizaj",
        "Softaj",
        "rehabilitation_daily",
        ["social", "psych"],
        [
            ("Mimoza Berisha", 1988, "female", "head", "", ""),
            ("Erza Berisha", 2012, "female", "child", "Shkolla 'Tefik Çanga'", "7"),
            ("Dion Berisha", 2016, "male", "child", "Shkolla 'Tefik Çanga'", "3"),
        ],
    ),
    (
        "Morina",
        "gjakove",
        "Rogovë",
        "prevention",
        ["social"],
        [
            ("Hysen Morina", 1975, "male", "head", "", ""),
            ("Teuta Morina", 1980, "female", "spouse", "", ""),
            ("Kushtrim Morina", 2011, "male", "child", "Shkolla 'Mustafa Bakija'", "8"),
            (
                "Albulena Morina",
                2013,
                "female",
                "child",
                "Shkolla 'Mustafa Bakija'",
                "6",
            ),
        ],
    ),
    (
        "Jovanović",
        "gracanice",
        "Laplje Selo",
        "rehabilitation_residential",
        ["psych"],
        [
            ("Jelena Jovanović", 1990, "female", "head", "", ""),
            ("Nikola Jovanović", 2014, "male", "child", "OŠ 'Kralj Milutin'", "5"),
        ],
    ),
    (
        "Petrović",
        "mitrovice_veri",
        "Suvi Do",
        "prevention",
        [],
        [
            ("Dragana Petrović", 1984, "female", "head", "", ""),
            ("Stefan Petrović", 2011, "male", "child", "OŠ 'Sveti Sava'", "8"),
            ("Milica Petrović", 2012, "female", "child", "OŠ 'Sveti Sava'", "7"),
        ],
    ),
    (
        "Hoxha",
        "peje",
        "Vitomiricë",
        "prevention",
        ["social"],
        [
            ("Lumnije Hoxha", 1983, "female", "head", "", ""),
            ("Endrit Hoxha", 2010, "male", "child", "Shkolla 'Xhemajl Kada'", "9"),
            ("Arlinda Hoxha", 2011, "female", "child", "Shkolla 'Xhemajl Kada'", "8"),
        ],
    ),
    (
        "Shala",
        "vushtrri",
        "Pestovë",
        "rehabilitation_daily",
        ["psych"],
        [
            ("Vjollca Shala", 1986, "female", "head", "", ""),
            ("Rina Shala", 2013, "female", "child", "Shkolla 'Ahmet Mehmeti'", "6"),
        ],
    ),
    (
        "Stojanović",
        "shterpce",
        "Sevce",
        "prevention",
        [],
        [
            ("Goran Stojanović", 1978, "male", "head", "", ""),
            ("Marko Stojanović", 2012, "male", "child", "OŠ 'Staja Markovića'", "7"),
            ("Ana Stojanović", 2013, "female", "child", "OŠ 'Staja Markovića'", "6"),
        ],
    ),
    (
        "Bytyqi",
        "rahovec",
        "Krusha e Madhe",
        "prevention",
        [],
        [
            ("Nexhmije Bytyqi", 1981, "female", "head", "", ""),
            (
                "Granit Bytyqi",
                2011,
                "male",
                "child",
                "Shkolla 'Dëshmorët e Kombit'",
                "8",
            ),
            (
                "Fjolla Bytyqi",
                2012,
                "female",
                "child",
                "Shkolla 'Dëshmorët e Kombit'",
                "7",
            ),
            (
                "Besart Bytyqi",
                2014,
                "male",
                "child",
                "Shkolla 'Dëshmorët e Kombit'",
                "5",
            ),
        ],
    ),
    (
        "Kelmendi",
        "podujeve",
        "Lupç i Epërm",
        "prevention",
        ["social"],
        [
            ("Sabrije Kelmendi", 1985, "female", "head", "", ""),
            ("Dardan Kelmendi", 2012, "male", "child", "Shkolla 'Migjeni'", "7"),
            ("Rrezarta Kelmendi", 2011, "female", "child", "Shkolla 'Migjeni'", "8"),
        ],
    ),
    (
        "Nikolić",
        "novoberde",
        "Bostane",
        "rehabilitation_daily",
        ["social", "psych"],
        [
            ("Snežana Nikolić", 1987, "female", "head", "", ""),
            ("Đorđe Nikolić", 2012, "male", "child", "OŠ 'Desanka Maksimović'", "7"),
            (
                "Ljubica Nikolić",
                2014,
                "female",
                "child",
                "OŠ 'Desanka Maksimović'",
                "5",
            ),
        ],
    ),
]

# name, vocation, weekdays, start "HH:MM", location, students' full names
COURSES = [
    (
        "Saldim – grupi i pasdites",
        "welding",
        "1,3",
        "14:00",
        "Punëtoria, Prishtinë",
        [
            "Arben Krasniqi",
            "Valon Gashi",
            "Kushtrim Morina",
            "Stefan Petrović",
            "Endrit Hoxha",
            "Marko Stojanović",
            "Granit Bytyqi",
            "Dardan Kelmendi",
            "Đorđe Nikolić",
            "Leutrim Krasniqi",
        ],
    ),
    (
        "Rrobaqepësi – grupi i mëngjesit",
        "tailoring",
        "2,4",
        "10:00",
        "Qendra, Prishtinë",
        [
            "Blerina Gashi",
            "Erza Berisha",
            "Albulena Morina",
            "Milica Petrović",
            "Arlinda Hoxha",
            "Rina Shala",
            "Ana Stojanović",
            "Fjolla Bytyqi",
            "Rrezarta Kelmendi",
            "Ljubica Nikolić",
        ],
    ),
]
