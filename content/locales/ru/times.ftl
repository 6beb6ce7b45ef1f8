## Time as people read it (bot/services/local_time.py): in the zone of the region an alert or a
## report is about, labelled with the zone and its UTC offset: "12:30 по Якутску, UTC+9".
## $time is "06.12, 21:00–21:45" or "21:00"; $offset is "+9".
time-in-zone = { $time } { $zone }, UTC{ $offset }
# A zone with no name below: the offset alone.
time-at-offset = { $time } UTC{ $offset }

# One name per zone of content/regions.toml (zone-<IANA name in lower case, "/" as "-">).
zone-europe-kaliningrad = по Калининграду
zone-europe-moscow = по Москве
zone-europe-simferopol = по Симферополю
zone-europe-volgograd = по Волгограду
zone-europe-kirov = по Кирову
zone-europe-astrakhan = по Астрахани
zone-europe-saratov = по Саратову
zone-europe-ulyanovsk = по Ульяновску
zone-europe-samara = по Самаре
zone-asia-yekaterinburg = по Екатеринбургу
zone-asia-omsk = по Омску
zone-asia-novosibirsk = по Новосибирску
zone-asia-barnaul = по Барнаулу
zone-asia-tomsk = по Томску
zone-asia-novokuznetsk = по Новокузнецку
zone-asia-krasnoyarsk = по Красноярску
zone-asia-irkutsk = по Иркутску
zone-asia-chita = по Чите
zone-asia-yakutsk = по Якутску
zone-asia-vladivostok = по Владивостоку
zone-asia-sakhalin = по Южно-Сахалинску
zone-asia-magadan = по Магадану
zone-asia-kamchatka = по Камчатке
zone-asia-anadyr = по Анадырю

## Free text in the other language than the reader's (an announcement, an alert's "Where"): which
## one it is in. There is no translation; $language is ru or en.
text-language = { $language ->
    [ru] (на русском)
   *[en] (на английском)
    }
