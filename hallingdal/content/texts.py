"""The first content of the site: Hallingdal's project in Byregionprogrammet.

Written for this site in Nynorsk, Bokmål and English from the facts on the
regional council's own page. Figures that the council has not published
(dates of phase 1, the funding of the rest of the budget, organisation
numbers) are deliberately left out rather than guessed.
"""

import datetime
from decimal import Decimal

# Municipality numbers from Statistics Norway, valid from 1 January 2024 when
# Buskerud county was re-established.
MUNICIPALITIES = [
    {"number": "3320", "name": "Flå", "slug": "fla"},
    {
        "number": "3322",
        "name": "Nesbyen",
        "slug": "nesbyen",
        "former_name": "Nes",
        "renamed_in": 2020,
    },
    {"number": "3324", "name": "Gol", "slug": "gol"},
    {"number": "3326", "name": "Hemsedal", "slug": "hemsedal"},
    {"number": "3328", "name": "Ål", "slug": "al"},
    {"number": "3330", "name": "Hol", "slug": "hol"},
]

MUNICIPALITY_DESCRIPTION = {
    "nn": "Ein av dei seks kommunane i Hallingdal, som saman står bak Regionrådet for Hallingdal.",
    "nb": "En av de seks kommunene i Hallingdal, som sammen står bak Regionrådet for Hallingdal.",
    "en": "One of the six municipalities of Hallingdal, which together run the Hallingdal "
    "Regional Council.",
}

PROGRAMME = {
    "slug": "framtidstru-og-vekst-i-hallingdal",
    "total_budget": Decimal("6600000"),
    "planned_end_year": 2017,
    "is_published": True,
    "title": {
        "nn": "Framtidstru og vekst i Hallingdal",
        "nb": "Framtidstru og vekst i Hallingdal",
        "en": "Framtidstru og vekst i Hallingdal",
    },
    "scheme": {
        "nn": "Utviklingsprogrammet for byregionar (Byregionprogrammet)",
        "nb": "Utviklingsprogrammet for byregioner (Byregionprogrammet)",
        "en": "The Regional Towns Development Programme (Byregionprogrammet)",
    },
    "scheme_owner": {
        "nn": "Kommunal- og moderniseringsdepartementet (KMD)",
        "nb": "Kommunal- og moderniseringsdepartementet (KMD)",
        "en": "the Ministry of Local Government and Modernisation (KMD)",
    },
    "scheme_description": {
        "nn": (
            "Byregionprogrammet er ei statleg tilskotsordning. Føremålet er å byggje kunnskap "
            "om kva rolle byane speler i regional utvikling, og om korleis ein by og omlandet "
            "rundt han påverkar kvarandre.\n\n"
            "Ordninga er først og fremst meint for små og mellomstore byregionar. Mindre stader "
            "kan òg vere med saman med omlandet sitt når dei fungerer som eit regionsenter, til "
            "dømes ved å tilby tenester til heile regionen."
        ),
        "nb": (
            "Byregionprogrammet er en statlig tilskuddsordning. Formålet er å bygge kunnskap om "
            "hvilken rolle byene spiller i regional utvikling, og om hvordan en by og omlandet "
            "rundt den påvirker hverandre.\n\n"
            "Ordningen er først og fremst ment for små og mellomstore byregioner. Mindre steder "
            "kan også delta sammen med omlandet sitt når de fungerer som et regionsenter, for "
            "eksempel ved å tilby tjenester til hele regionen."
        ),
        "en": (
            "Byregionprogrammet is a national grant scheme. Its purpose is to build knowledge "
            "about the part towns play in regional development, and about how a town and the "
            "area around it affect each other.\n\n"
            "The scheme is mainly meant for small and medium-sized town regions. Smaller places "
            "may also take part together with their surroundings when they act as a regional "
            "centre, for example by providing services for the whole region."
        ),
    },
    "run_by": {
        "nn": "Regionrådet for Hallingdal",
        "nb": "Regionrådet for Hallingdal",
        "en": "Hallingdal Regional Council (Regionrådet for Hallingdal)",
    },
    "summary": {
        "nn": (
            "Hallingdal sitt prosjekt i Byregionprogrammet. Prosjektet skal skape nye typar "
            "arbeidsplassar i regionen, særleg for unge med høgare utdanning eller fagutdanning."
        ),
        "nb": (
            "Hallingdals prosjekt i Byregionprogrammet. Prosjektet skal skape nye typer "
            "arbeidsplasser i regionen, særlig for unge med høyere utdanning eller fagutdanning."
        ),
        "en": (
            "Hallingdal's project in the Regional Towns Development Programme. It aims to create "
            "new kinds of jobs in the region, especially for young people with higher education "
            "or vocational training."
        ),
    },
    "goal": {
        "nn": (
            "Å utvikle nye typar arbeidsplassar som løner seg og som er attraktive for yngre "
            "folk med høgare utdanning og fagutdanning."
        ),
        "nb": (
            "Å utvikle nye typer arbeidsplasser som er lønnsomme og attraktive for yngre "
            "mennesker med høyere utdanning og fagutdanning."
        ),
        "en": (
            "To develop new kinds of jobs that are profitable and attractive to younger people "
            "with higher education and vocational training."
        ),
    },
    "body": {
        "nn": (
            "Regionrådet for Hallingdal leier prosjektet på vegner av dei seks kommunane i "
            "dalen. Prosjektet har to fasar: den første samla kunnskap, den andre skal gjere "
            "kunnskapen om til lokale strategiar og tiltak.\n\n"
            "Prosjektet har ei samla ramme på 6,6 millionar kroner og skal etter planen vere "
            "ferdig i 2017. Denne sida viser dei tilskota vi kjenner til. Korleis resten av "
            "ramma er finansiert, er ikkje oppgitt her."
        ),
        "nb": (
            "Regionrådet for Hallingdal leder prosjektet på vegne av de seks kommunene i "
            "dalen. Prosjektet har to faser: den første samlet kunnskap, den andre skal gjøre "
            "kunnskapen om til lokale strategier og tiltak.\n\n"
            "Prosjektet har en samlet ramme på 6,6 millioner kroner og skal etter planen være "
            "ferdig i 2017. Denne siden viser de tilskuddene vi kjenner til. Hvordan resten av "
            "rammen er finansiert, er ikke oppgitt her."
        ),
        "en": (
            "Hallingdal Regional Council leads the project on behalf of the six municipalities "
            "in the valley. The project has two phases: the first gathered knowledge, and the "
            "second turns that knowledge into local strategies and measures.\n\n"
            "The project has a total budget of NOK 6.6 million and is planned to be completed "
            "in 2017. This page shows the grants we know of. How the rest of the budget is "
            "funded is not stated here."
        ),
    },
}

# The council's page offers the project plan for download; the programme's
# text says so and links to the project-plan document (by object, so the
# link follows the document). The ministry's press release has no address
# in our sources, so the text mentions it without a link.
PROJECT_PLAN_SENTENCE = {
    "nn": ("Du kan laste ned ", "prosjektplanen", " for prosjektet."),
    "nb": ("Du kan laste ned ", "prosjektplanen", " for prosjektet."),
    "en": ("You can download the ", "project plan", " of the project."),
}

PHASES = [
    {
        "number": 1,
        "status": "completed",
        "title": {
            "nn": "Kunnskap og analysar",
            "nb": "Kunnskap og analyser",
            "en": "Knowledge and analyses",
        },
        "summary": {
            "nn": "Innhenting av kunnskap og analysar som kan brukast vidare i fase 2.",
            "nb": "Innhenting av kunnskap og analyser som kan brukes videre i fase 2.",
            "en": "Gathering knowledge and analyses that can be carried forward into phase 2.",
        },
        "body": {
            "nn": (
                "I den første fasen var hovudoppgåva å samle relevant informasjon og analysar "
                "om Hallingdal som kunne kome til nytte i fase 2. Regionrådet for Hallingdal "
                "hadde ansvaret for gjennomføringa."
            ),
            "nb": (
                "I den første fasen var hovedoppgaven å samle relevant informasjon og analyser "
                "om Hallingdal som kunne komme til nytte i fase 2. Regionrådet for Hallingdal "
                "hadde ansvaret for gjennomføringen."
            ),
            "en": (
                "In the first phase the main task was to collect relevant information and "
                "analyses about Hallingdal that could be of use in phase 2. Hallingdal Regional "
                "Council was responsible for carrying it out."
            ),
        },
        "outcome": {
            "nn": (
                "Fasen gav mellom anna ein eigen samfunnsanalyse for Hallingdal, «For egen "
                "maskin».\n\n"
                "Etterpå handsama Hallingtinget og kvar av kommunane spørsmålet om å vere med "
                "vidare. Alle var samde om å søkje om å delta i fase 2."
            ),
            "nb": (
                "Fasen ga blant annet en egen samfunnsanalyse for Hallingdal, «For egen "
                "maskin».\n\n"
                "Deretter behandlet Hallingtinget og hver av kommunene spørsmålet om å være med "
                "videre. Alle var enige om å søke om å delta i fase 2."
            ),
            "en": (
                "Among other things, the phase produced a social analysis of Hallingdal, "
                "«For egen maskin».\n\n"
                "Afterwards, Hallingtinget (the joint assembly of the municipalities) and each "
                "municipality considered whether to go on. All agreed to apply to take part in "
                "phase 2."
            ),
        },
    },
    {
        "number": 2,
        "status": "active",
        "title": {
            "nn": "Strategiar og tiltak for vekst",
            "nb": "Strategier og tiltak for vekst",
            "en": "Strategies and measures for growth",
        },
        "summary": {
            "nn": (
                "Lokalt forankra strategiar og tiltak innan eitt tema, bygde på det økonomiske "
                "samspelet mellom by og omland, for å fremje vekst i regionen."
            ),
            "nb": (
                "Lokalt forankrede strategier og tiltak innenfor ett tema, bygget på det "
                "økonomiske samspillet mellom by og omland, for å fremme vekst i regionen."
            ),
            "en": (
                "Locally rooted strategies and measures within one theme, built on the economic "
                "interplay between town and surroundings, to promote growth in the region."
            ),
        },
        "body": {
            "nn": (
                "I fase 2 skal deltakarane bli samde om og setje i verk strategiar og tiltak "
                "som har lokal forankring. Arbeidet held seg til eitt tema eller "
                "samfunnsområde og tek utgangspunkt i korleis byen og omlandet heng saman "
                "økonomisk. Målet er økonomisk vekst i heile regionen.\n\n"
                "Regionrådet for Hallingdal skreiv søknaden. I juni 2015 fekk regionrådet ei "
                "ramme på 2 680 000 kroner frå Kommunal- og moderniseringsdepartementet (KMD) "
                "til fase 2. Departementet kunngjorde tildelinga i ei pressemelding."
            ),
            "nb": (
                "I fase 2 skal deltakerne bli enige om og sette i verk strategier og tiltak "
                "som har lokal forankring. Arbeidet holder seg til ett tema eller "
                "samfunnsområde og tar utgangspunkt i hvordan byen og omlandet henger sammen "
                "økonomisk. Målet er økonomisk vekst i hele regionen.\n\n"
                "Regionrådet for Hallingdal skrev søknaden. I juni 2015 fikk regionrådet en "
                "ramme på 2 680 000 kroner fra Kommunal- og moderniseringsdepartementet (KMD) "
                "til fase 2. Departementet kunngjorde tildelingen i en pressemelding."
            ),
            "en": (
                "In phase 2 the participants agree on and carry out strategies and measures "
                "with local backing. The work keeps to one theme or area of society and starts "
                "from how the town and its surroundings are linked economically. The aim is "
                "economic growth in the whole region.\n\n"
                "Hallingdal Regional Council wrote the application. In June 2015 the council "
                "was awarded a frame of NOK 2,680,000 for phase 2 by the Ministry of Local "
                "Government and Modernisation (KMD). The ministry announced the award in a "
                "press release."
            ),
        },
        "outcome": {"nn": "", "nb": "", "en": ""},
    },
]

GRANT = {
    "phase_number": 2,
    "amount": Decimal("2680000"),
    "awarded_on": datetime.date(2015, 6, 1),
    "awarded_on_precision": "month",
    "funder": {
        "nn": "Kommunal- og moderniseringsdepartementet (KMD)",
        "nb": "Kommunal- og moderniseringsdepartementet (KMD)",
        "en": "Ministry of Local Government and Modernisation (KMD)",
    },
    "description": {
        "nn": "Ramme til fase 2 i Byregionprogrammet, kunngjord i ei pressemelding frå KMD.",
        "nb": "Ramme til fase 2 i Byregionprogrammet, kunngjort i en pressemelding fra KMD.",
        "en": "Frame for phase 2 of the programme, announced in a press release from KMD.",
    },
}

PROJECT_PLAN = {
    "slug": "prosjektplan-framtidstru-og-vekst-i-hallingdal",
    "kind": "project_plan",
    "filename": "Prosjektplan – Framtidstru og vekst i Hallingdal (eksempel).pdf",
    "title": {
        "nn": "Prosjektplan for Framtidstru og vekst i Hallingdal",
        "nb": "Prosjektplan for Framtidstru og vekst i Hallingdal",
        "en": "Project plan for Framtidstru og vekst i Hallingdal",
    },
    "description": {
        "nn": (
            "Prosjektplanen for Hallingdal sitt prosjekt i Byregionprogrammet.\n\n"
            "Merk: Fila som ligg her no, er eit tydeleg merkt eksempel som nettstaden har laga "
            "ut frå samandraget på desse sidene. Regionrådet byter henne ut med den vedtekne "
            "prosjektplanen."
        ),
        "nb": (
            "Prosjektplanen for Hallingdals prosjekt i Byregionprogrammet.\n\n"
            "Merk: Filen som ligger her nå, er et tydelig merket eksempel som nettstedet har "
            "laget ut fra sammendraget på disse sidene. Regionrådet bytter den ut med den "
            "vedtatte prosjektplanen."
        ),
        "en": (
            "The project plan for Hallingdal's project in the Regional Towns Development "
            "Programme.\n\n"
            "Note: the file here now is a clearly labelled sample that the site made from the "
            "summary on these pages. The regional council will replace it with the adopted "
            "project plan."
        ),
    },
}

# The sample PDF: Nynorsk, since that is the council's language, and marked
# as a sample on every page.
SAMPLE_PLAN_PAGES = [
    [
        "EKSEMPEL – ikkje den vedtekne prosjektplanen",
        "",
        "Prosjektplan: Framtidstru og vekst i Hallingdal",
        "Regionrådet for Hallingdal, Byregionprogrammet",
        "",
        "Denne fila er laga av nettstaden ut frå samandraget på nettsidene,",
        "slik at ei ny installering har noko å laste ned. Regionrådet byter",
        "henne ut med den vedtekne planen.",
        "",
        "Hovudmål: nye typar arbeidsplassar som løner seg og er attraktive",
        "for yngre folk med høgare utdanning og fagutdanning.",
        "",
        "Samla ramme: 6,6 millionar kroner. Skal vere ferdig i 2017.",
    ],
    [
        "EKSEMPEL – fasar og finansiering",
        "",
        "Fase 1: Kunnskap og analysar. Samfunnsanalysen «For egen maskin».",
        "Fase 2: Lokalt forankra strategiar og tiltak for økonomisk vekst.",
        "",
        "Tilskot: KMD, juni 2015, ramme på kr 2 680 000 til fase 2.",
        "Resten av ramma: ikkje oppgitt.",
        "",
        "Kommunar: Flå, Nesbyen, Gol, Hemsedal, Ål og Hol.",
    ],
]
