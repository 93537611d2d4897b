"""Write Santa's example lists: a good list, a big list and one file per kind of mistake.

    python data/santa/generate.py           # (re)write every file next to this script
    python data/santa/generate.py --check   # exit 1 if a committed file differs from the output

The output never changes between runs (fixed seeds, no clock, no network), so the committed
files can always be rebuilt and compared. README.md beside this script describes the schema and
the rules the validate Lambda applies.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

GOOD_LIST_KIDS = 360
BIG_LIST_KIDS = 2900
SMALL_LIST_KIDS = 12
MAX_GIFTS = 3

Kid = dict[str, Any]


@dataclass(frozen=True)
class Locale:
    """Where a kid lives and how names are written there."""

    country: str
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    families: tuple[str, ...]
    """A family name, or `male|female` where the form depends on the kid (Novák|Nováková)."""
    cities: tuple[str, ...]
    order: str = "given-family"
    """`given-family`, `family-given` (a space between) or `family-given-joined` (no space)."""
    local_gifts: tuple[str, ...] = ()


def _locale(
    country: str, girls: str, boys: str, families: str, cities: str, **extra: Any
) -> Locale:
    # Names are written as ";"-separated text to keep the table below readable.
    def split(text: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in text.split(";") if part.strip())

    gifts = split(extra.pop("gifts", ""))
    return Locale(
        country,
        split(girls),
        split(boys),
        split(families),
        split(cities),
        local_gifts=gifts,
        **extra,
    )


# fmt: off
LOCALES: tuple[Locale, ...] = (
    _locale("US", "Olivia; Emma; Ava; Harper; Mia", "Liam; Noah; Elijah; Jackson; Mateo",
            "Johnson; Williams; García; O'Connor; Washington; Nguyen",
            "New York; Chicago; Anchorage; San Antonio; Portland"),
    _locale("CA", "Chloé; Emily; Charlotte; Maëlle", "William; Félix; Ethan; Nathan",
            "Tremblay; Gagnon; Roy; MacDonald; Côté",
            "Montréal; Toronto; Québec; Vancouver; Halifax",
            gifts="Un traîneau; Des patins à glace"),
    _locale("GB", "Amelia; Isla; Freya; Poppy", "Oliver; Harry; George; Arthur",
            "Taylor; Evans; Davies; Thompson; MacLeod; Patel",
            "London; Manchester; Edinburgh; Cardiff; Belfast"),
    _locale("IE", "Siobhán; Aoife; Caoimhe; Saoirse", "Seán; Oisín; Pádraig; Cillian",
            "Ó Súilleabháin|Ní Shúilleabháin; Ó Briain|Ní Bhriain; Murphy; Kelly",
            "Dublin; Cork; Galway; Limerick"),
    _locale("AU", "Charlotte; Matilda; Ruby", "Jack; Lachlan; Cooper",
            "Smith; Wilson; Nguyen; Anderson", "Sydney; Melbourne; Perth; Alice Springs"),
    _locale("NZ", "Aroha; Isla; Mereana", "Nikau; Tama; Lucas", "Ngata; Parata; Wilson; Te Whare",
            "Auckland; Wellington; Rotorua; Whangārei"),
    _locale("DE", "Sophie; Marie; Emilia; Hannah; Lea", "Lukas; Jonas; Felix; Paul; Maximilian",
            "Müller; Schäfer; Weiß; Köhler; Groß; Schröder",
            "Berlin; München; Köln; Düsseldorf; Nürnberg",
            gifts="Ein rotes Fahrrad; Holzeisenbahn mit Brücke; Schlitten; Hörspiel-Box"),
    _locale("FR", "Léa; Chloé; Zoé; Inès; Maëlys", "Théo; Louis; Raphaël; Noé; Gaël",
            "Dubois; Lefèvre; Girard; Moreau; Bénard; Faure",
            "Paris; Lyon; Marseille; Besançon; Nîmes",
            gifts="Une poupée qui parle; Un livre de contes de Noël; Des feutres à paillettes"),
    _locale("ES", "Sofía; Lucía; Martina; Begoña", "Mateo; Alejandro; Hugo; Íñigo",
            "Martínez; Gómez; Fernández; Núñez; Ibáñez; Castaño",
            "Madrid; Sevilla; Málaga; A Coruña; Cádiz",
            gifts="Una pelota de fútbol; Unos patines; Un cuento de piratas"),
    _locale("MX", "Ximena; Valentina; Regina; Renata", "José; Santiago; Emiliano; Leonardo",
            "Hernández; López; Ramírez; Velázquez; Muñoz",
            "Ciudad de México; Guadalajara; Mérida; Querétaro; Oaxaca",
            gifts="Una piñata de estrella; Lotería (juego de mesa)"),
    _locale("AR", "Valentina; Catalina; Abril", "Benjamín; Joaquín; Thiago",
            "Pérez; Rodríguez; Giménez; Sosa", "Buenos Aires; Córdoba; Rosario; Ushuaia",
            gifts="Una camiseta de fútbol; Un rompecabezas del glaciar Perito Moreno"),
    _locale("BR", "Beatriz; Luíza; Lívia; Helena", "João; Gabriel; Heitor; Caíque",
            "Gonçalves; Conceição; Araújo; Magalhães; Simões",
            "São Paulo; Belém; Florianópolis; Brasília; Salvador",
            gifts="Bola de futebol; Boneca de pano; Bicicleta azul"),
    _locale("PT", "Matilde; Leonor; Inês", "Tomás; Duarte; Afonso",
            "Sousa; Gonçalves; Brandão; Figueiredo", "Lisboa; Porto; Évora; Funchal",
            gifts="Livro de banda desenhada; Trotinete"),
    _locale("IT", "Giulia; Aurora; Ginevra", "Leonardo; Niccolò; Tommaso",
            "Rossi; Esposito; Ricci; De Luca; Colombo", "Roma; Milano; Napoli; Forlì; Cefalù",
            gifts="Un trenino di legno; Pastelli a cera; Una bambola"),
    _locale("PL", "Zofia; Łucja; Maja; Hanna", "Jakub; Antoni; Szymon; Mikołaj",
            "Nowak; Wójcik; Kowalczyk; Mazur; Wiśniewski|Wiśniewska; Zieliński|Zielińska",
            "Kraków; Łódź; Gdańsk; Wrocław; Poznań",
            gifts="Klocki konstrukcyjne; Sanki; Pluszowy miś"),
    _locale("CZ", "Tereza; Eliška; Anežka", "Jiří; Vojtěch; Matěj",
            "Novák|Nováková; Dvořák|Dvořáková; Černý|Černá; Procházka|Procházková",
            "Praha; Brno; České Budějovice; Plzeň", gifts="Stavebnice; Sáňky; Pohádková kniha"),
    _locale("HU", "Hanna; Zsófia; Réka", "Bence; Máté; Levente",
            "Nagy; Kovács; Tóth; Szabó; Horváth", "Budapest; Debrecen; Szeged; Pécs",
            order="family-given", gifts="Kerékpár; Társasjáték; Plüss mackó"),
    _locale("RO", "Ioana; Ștefania; Ilinca", "Andrei; Mihai; Ștefan",
            "Popescu; Ionescu; Dumitrescu; Țurcanu", "București; Cluj-Napoca; Iași; Timișoara",
            gifts="Sanie; Păpușă; Carte de povești"),
    _locale("SE", "Alice; Maja; Ebba; Saga", "Björn; Elias; Hugo; Love",
            "Lindqvist; Andersson; Öberg; Åkesson; Sjöberg",
            "Stockholm; Göteborg; Malmö; Kiruna; Umeå",
            gifts="Pulka; Mjukisdjur; Pussel med 500 bitar"),
    _locale("NO", "Ingrid; Nora; Sofie", "Jakob; Emil; Aksel", "Hansen; Johansen; Bråthen; Solberg",
            "Oslo; Bergen; Tromsø; Ålesund", gifts="Ski og staver; Akebrett"),
    _locale("DK", "Ida; Freja", "Søren; Magnus", "Jørgensen; Nielsen; Østergaard",
            "København; Aarhus; Odense", gifts="Legetøjsbil; Brætspil"),
    _locale("FI", "Aino; Venla; Eevi; Ella", "Eetu; Väinö; Onni; Leo",
            "Mäkinen; Järvinen; Virtanen; Hämäläinen; Korhonen",
            "Helsinki; Rovaniemi; Jyväskylä; Tampere; Oulu",
            gifts="Sukset; Lautapeli; Pehmolelu poro"),
    _locale("IS", "Sigríður; Guðrún; Katla", "Þórður; Ólafur; Aron",
            "Jónsson|Jónsdóttir; Sigurðsson|Sigurðardóttir; Einarsson|Einarsdóttir",
            "Reykjavík; Akureyri; Ísafjörður", gifts="Skíði; Lopapeysa"),
    _locale("TR", "Çağla; Zeynep; Elif; Ayşe", "Emir; Yusuf; Mustafa; Görkem",
            "Yılmaz; Öztürk; Şahin; Çelik; Doğan", "İstanbul; İzmir; Ankara; Eskişehir; Trabzon",
            gifts="Uçurtma; Futbol topu; Boyama kitabı"),
    _locale("VN", "Thị Lan; Minh Anh; Ngọc Hân", "Minh Đức; Quốc Bảo; Gia Huy",
            "Nguyễn; Trần; Lê; Phạm; Đặng",
            "Hà Nội; Thành phố Hồ Chí Minh; Đà Nẵng; Huế; Hải Phòng",
            order="family-given", gifts="Xe đạp; Gấu bông; Bộ xếp hình"),
    _locale("RU", "Анна; Мария; София; Полина", "Иван; Михаил; Артём; Дмитрий",
            "Смирнов|Смирнова; Петров|Петрова; Кузнецов|Кузнецова; Соколов|Соколова",
            "Москва; Санкт-Петербург; Новосибирск; Мурманск; Казань",
            gifts="Конструктор; Санки; Плюшевый медведь; Коньки"),
    _locale("UA", "Олена; Софія; Вікторія; Соломія", "Тарас; Богдан; Андрій; Ярослав",
            "Шевченко; Коваленко; Бондаренко; Мельник; Ткачук",
            "Київ; Львів; Харків; Одеса; Чернівці", gifts="Велосипед; Книжка з казками; Лижі"),
    _locale("BG", "Мария; Виктория", "Георги; Александър", "Иванов|Иванова; Димитров|Димитрова",
            "София; Пловдив; Варна", gifts="Шейна; Кукла"),
    _locale("RS", "Милица; Јована", "Лука; Стефан", "Јовановић; Петровић; Николић",
            "Београд; Нови Сад; Ниш", gifts="Лопта; Бојанка"),
    _locale("GR", "Ελένη; Μαρία; Κατερίνα; Ζωή", "Γιώργος; Νίκος; Δημήτρης; Άγγελος",
            "Παπαδόπουλος|Παπαδοπούλου; Οικονόμου; Γεωργίου; Καραγιάννης|Καραγιάννη",
            "Αθήνα; Θεσσαλονίκη; Ηράκλειο; Πάτρα; Ιωάννινα",
            gifts="Ποδήλατο; Επιτραπέζιο παιχνίδι; Κούκλα"),
    _locale("GE", "ნინო; ანა; მარიამი", "გიორგი; ლუკა; დავითი",
            "ბერიძე; კაპანაძე; გელაშვილი; მაისურაძე", "თბილისი; ბათუმი; ქუთაისი",
            gifts="ველოსიპედი; თოჯინა"),
    _locale("AM", "Անի; Մարիամ", "Դավիթ; Նարեկ", "Հովհաննիսյան; Գրիգորյան; Սարգսյան",
            "Երևան; Գյումրի", gifts="Հեծանիվ; Տիկնիկ"),
    _locale("EG", "مريم; فاطمة; جنى; ملك", "يوسف; عمر; آدم; محمد",
            "الحسن; عبد الله; السيد; منصور; إبراهيم", "القاهرة; الإسكندرية; الأقصر; أسوان",
            gifts="كرة قدم; دراجة هوائية; قصص مصورة"),
    _locale("MA", "سلمى; إيناس", "ياسين; أيوب", "العلوي; بنعلي; الإدريسي",
            "الدار البيضاء; مراكش; فاس; طنجة", gifts="كرة قدم; قصص مصورة"),
    _locale("AE", "ليان; حور", "راشد; خليفة", "المهيري; الكعبي", "دبي; أبوظبي; الشارقة",
            gifts="دراجة هوائية"),
    _locale("IR", "فاطمه; زهرا; ستاره", "آرین; امیرعلی; کیان", "محمدی; حسینی; رضایی; کریمی",
            "تهران; اصفهان; شیراز; تبریز", gifts="دوچرخه; عروسک"),
    _locale("IL", "נועה; מאיה; תמר; יעל", "איתי; אריאל; יונתן; עומר",
            "כהן; לוי; מזרחי; פרץ; ביטון", "תל אביב-יפו; ירושלים; חיפה; באר שבע; אילת",
            gifts="אופניים; פאזל; ספר הרפתקאות"),
    _locale("IN", "अनन्या; सान्वी; दीया; आराध्या", "आरव; विवान; अर्जुन; कबीर",
            "शर्मा; गुप्ता; वर्मा; सिंह; जोशी", "मुंबई; दिल्ली; जयपुर; वाराणसी; लखनऊ",
            gifts="साइकिल; क्रिकेट का बल्ला; कहानियों की किताब"),
    _locale("NP", "प्रिया; सृष्टि", "सुजल; आयुष", "थापा; गुरुङ; श्रेष्ठ", "काठमाडौं; पोखरा",
            gifts="चङ्गा"),
    _locale("BD", "আয়েশা; তানহা", "আরিয়ান; রাফি", "রহমান; হোসেন; চৌধুরী", "ঢাকা; চট্টগ্রাম; সিলেট",
            gifts="ক্রিকেট ব্যাট; গল্পের বই"),
    _locale("CN", "欣怡; 梓涵; 诗涵; 可欣", "浩然; 子轩; 宇航; 俊杰", "王; 李; 张; 刘; 陈; 杨",
            "北京; 上海; 成都; 哈尔滨; 广州", order="family-given-joined",
            gifts="积木; 自行车; 毛绒熊猫"),
    _locale("TW", "怡君; 雅婷; 宜蓁", "冠宇; 承恩; 宥翔", "陳; 林; 黃; 張",
            "臺北; 高雄; 臺中; 花蓮",
            order="family-given-joined", gifts="積木; 繪本; 溜冰鞋"),
    _locale("JP", "さくら; 結衣; 陽菜; 葵", "陽翔; 蓮; 湊; 大和", "佐藤; 鈴木; 高橋; 田中; 渡辺",
            "東京; 大阪; 札幌; 京都; 那覇", order="family-given",
            gifts="ぬいぐるみ; けん玉; 絵本; プラモデル"),
    _locale("KR", "서연; 지우; 하은; 수아", "민준; 서준; 도윤; 지호", "김; 이; 박; 최; 정",
            "서울; 부산; 인천; 대구; 제주", order="family-given-joined",
            gifts="자전거; 블록 장난감; 곰 인형"),
    _locale("TH", "ณัฐธิดา; พิมพ์ชนก; กานต์ธิดา", "สมชาย; ธนากร; ภูมิพัฒน์",
            "ใจดี; ศรีสุข; สุขสวัสดิ์; วงศ์สวัสดิ์", "กรุงเทพมหานคร; เชียงใหม่; ภูเก็ต; ขอนแก่น",
            gifts="จักรยาน; ตุ๊กตาช้าง; ว่าว"),
    _locale("ET", "ሄለን; ማህሌት", "አበበ; ዮናስ", "ተስፋዬ; ከበደ; በቀለ", "አዲስ አበባ; ጎንደር; ባሕር ዳር",
            gifts="ኳስ; መጽሐፍ"),
    _locale("NG", "Chiamaka; Adaeze; Oluwaseun", "Chinedu; Tunde; Ikenna",
            "Okafor; Adeyemi; Eze; Balogun", "Lagos; Abuja; Enugu; Ibadan"),
    _locale("KE", "Wanjiru; Achieng", "Kiprono; Otieno", "Kamau; Mwangi; Odhiambo",
            "Nairobi; Mombasa; Kisumu"),
    _locale("ZA", "Thandiwe; Lerato; Anika", "Sipho; Thabo; Pieter",
            "Nkosi; Dlamini; van der Merwe; Botha", "Johannesburg; Cape Town; Durban; Gqeberha"),
    _locale("ID", "Siti; Putri; Ayu", "Budi; Rizky; Adi", "Santoso; Wijaya; Saputra",
            "Jakarta; Surabaya; Yogyakarta; Denpasar", gifts="Sepeda; Boneka"),
    _locale("PH", "Maria Clara; Althea", "Juan Miguel; Paolo", "Dela Cruz; Santos; Reyes; Bautista",
            "Manila; Cebu; Davao", gifts="Bisikleta; Laruang kotse"),
)

# What kids ask for, by age: (youngest age, oldest age, gifts).
GIFTS_BY_AGE: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0, 2, (
        "Soft cloth book with animal sounds", "Stacking rings", "Wooden rattle",
        "Bath boat with three ducks", "Plush elephant", "Push-along walker wagon",
        "Shape sorter cube", "Musical xylophone", "Activity play mat", "Board book of farm animals",
    )),
    (3, 6, (
        "Wooden train set with a bridge", "Dinosaur figures (set of 12)", "Tricycle",
        "Finger paints", "Firefighter dress-up costume", "Magnetic building tiles",
        "Toy kitchen with pots and pans", "Picture book about the planets", "Balance bike",
        "Plush unicorn", "Dolls' house with furniture", "Jigsaw puzzle, 48 pieces",
        "Toy doctor's kit", "Dragon kite", "Digger for the sandpit", "Glow-in-the-dark stars",
        "Rainbow umbrella 🌈",
    )),
    (7, 11, (
        "Bicycle with a basket", "Space station building bricks", "Remote-control car",
        "Telescope", "Microscope kit", "Football", "Football boots, size 34", "Walkie-talkies",
        "Chess set", "Art set with 48 markers", "Rubik's cube", "Roller skates", "Ukulele",
        "Magic tricks kit", "Family board game", "Scooter with light-up wheels",
        "Crystal-growing kit", "World atlas", "Ice skates", "Sledge",
        "Binoculars for bird watching", "Dinosaur encyclopedia", "Dinosaur pyjamas 🦖",
        "Science experiment box", "Head torch for reading under the blanket",
    )),
    (12, 17, (
        "Wireless headphones", "Skateboard", "Drawing tablet", "Acoustic guitar",
        "Programmable robot kit", "Running shoes", "Graphic novel box set", "Instant camera",
        "Basketball", "Hoodie from my favourite band", "1000-piece puzzle of the Northern Lights",
        "Two-person tent", "Cookbook for beginners", "Chemistry set", "Climbing lessons",
        "Concert tickets", "Strategy board game", "Keyboard (the musical kind)",
        "Sketchbook and charcoal pencils", "Portable speaker", "Snowboard",
        "Microcontroller starter kit", "Phrase book for learning Japanese",
    )),
)
# fmt: on


# -- building kids ------------------------------------------------------------------------------


def kid_id(number: int) -> str:
    return f"kid-{number:04d}"


def _full_name(rng: random.Random, locale: Locale) -> str:
    is_girl = rng.random() < 0.5
    given = rng.choice(locale.girls if is_girl else locale.boys)
    family = rng.choice(locale.families)
    if "|" in family:
        male, female = family.split("|")
        family = female if is_girl else male
    if locale.order == "family-given":
        return f"{family} {given}"
    if locale.order == "family-given-joined":
        return f"{family}{given}"
    return f"{given} {family}"


def _gifts(rng: random.Random, locale: Locale, age: int) -> list[str]:
    pool = next(gifts for low, high, gifts in GIFTS_BY_AGE if low <= age <= high)
    count = rng.choices((1, 2, 3), weights=(30, 45, 25))[0]
    chosen = rng.sample(pool, count)
    # Some kids write one wish in their own language (not babies: their parents write).
    if locale.local_gifts and age >= 3 and rng.random() < 0.35:
        chosen[-1] = rng.choice(locale.local_gifts)
    return chosen


def make_kid(rng: random.Random, number: int) -> Kid:
    locale = rng.choice(LOCALES)
    age = rng.randint(0, 17)
    return {
        "id": kid_id(number),
        "name": _full_name(rng, locale),
        "city": rng.choice(locale.cities),
        "country": locale.country,
        "age": age,
        "gifts": _gifts(rng, locale, age),
    }


def make_kids(seed: int, count: int) -> list[Kid]:
    rng = random.Random(seed)
    return [make_kid(rng, number) for number in range(1, count + 1)]


def render(kids: list[Any]) -> str:
    """One kid per line, so kid number N (counting from 0) sits on line N + 2."""
    if not kids:
        return "[]\n"
    lines = ",\n".join("  " + json.dumps(kid, ensure_ascii=False) for kid in kids)
    return f"[\n{lines}\n]\n"


# -- the files ----------------------------------------------------------------------------------


def _with_change(seed: int, change: Callable[[list[Kid]], None]) -> str:
    kids = make_kids(seed, SMALL_LIST_KIDS)
    change(kids)
    return render(kids)


def _missing_comma() -> str:
    # A hand edit that lost the comma after kid 6: JSON reports line 9 (kid 7's line).
    lines = render(make_kids(101, SMALL_LIST_KIDS)).splitlines(keepends=True)
    lines[7] = lines[7].replace("},\n", "}\n")
    return "".join(lines)


def _wrapped_in_an_object() -> str:
    kids = make_kids(102, SMALL_LIST_KIDS)
    wrapper = {"from": "Santa's workshop, Rovaniemi", "kids": kids}
    return json.dumps(wrapper, ensure_ascii=False, indent=2) + "\n"


def _drop_city(kids: list[Kid]) -> None:
    del kids[6]["city"]


def _wrong_types(kids: list[Kid]) -> None:
    kids[3]["age"] = "seven"
    kids[8]["gifts"] = "Scooter with light-up wheels"


def _greedy(kids: list[Kid]) -> None:
    kids[5]["gifts"] = ["Games console", "Pony", "Trampoline", "Electric scooter", "Snowmobile"]


def _copy_kid(kids: list[Kid]) -> None:
    kids[9] = dict(kids[4])


def _many_problems(kids: list[Kid]) -> None:
    kids[1]["age"] = 19
    kids[2]["gifts"] = []
    kids[3]["country"] = "Finland"
    del kids[5]["name"]
    kids[6]["gifts"] = [*kids[6]["gifts"], "Drone", "Laptop", "Puppy"]
    kids[7]["age"] = None
    kids[9]["gfits"] = kids[9].pop("gifts")
    kids[11]["id"] = 12


def build() -> dict[str, str]:
    """Every file's name and text, in the order the README lists them."""
    return {
        "good_list.json": render(make_kids(2024, GOOD_LIST_KIDS)),
        "big_list.json": render(make_kids(1225, BIG_LIST_KIDS)),
        "bad_not_json.json": _missing_comma(),
        "bad_not_a_list.json": _wrapped_in_an_object(),
        "bad_missing_fields.json": _with_change(103, _drop_city),
        "bad_wrong_types.json": _with_change(104, _wrong_types),
        "bad_too_many_gifts.json": _with_change(105, _greedy),
        "bad_empty_list.json": render([]),
        "bad_duplicate_kid.json": _with_change(106, _copy_kid),
        "bad_many_problems.json": _with_change(107, _many_problems),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to")
    args = parser.parse_args(argv)
    stale = []
    for name, text in build().items():
        path = args.out / name
        data = text.encode("utf-8")
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run generate.py to rewrite)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
