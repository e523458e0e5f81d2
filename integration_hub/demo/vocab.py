"""Word lists the demo company is built from.

Kept as plain tuples so that generation depends only on the seed: no locale data,
no library whose lists change between versions.
"""

# (city, state code, state name, ZIP prefix, phone area codes)
US_CITIES = (
    ("San Francisco", "CA", "California", "941", ("415", "628")),
    ("Los Angeles", "CA", "California", "900", ("213", "310", "323")),
    ("San Diego", "CA", "California", "921", ("619", "858")),
    ("San Jose", "CA", "California", "951", ("408", "669")),
    ("Seattle", "WA", "Washington", "981", ("206",)),
    ("Portland", "OR", "Oregon", "972", ("503", "971")),
    ("Denver", "CO", "Colorado", "802", ("303", "720")),
    ("Austin", "TX", "Texas", "787", ("512", "737")),
    ("Dallas", "TX", "Texas", "752", ("214", "469", "972")),
    ("Houston", "TX", "Texas", "770", ("713", "281", "832")),
    ("Phoenix", "AZ", "Arizona", "850", ("602", "480")),
    ("Chicago", "IL", "Illinois", "606", ("312", "773")),
    ("Minneapolis", "MN", "Minnesota", "554", ("612",)),
    ("Detroit", "MI", "Michigan", "482", ("313",)),
    ("Columbus", "OH", "Ohio", "432", ("614",)),
    ("Atlanta", "GA", "Georgia", "303", ("404", "678")),
    ("Miami", "FL", "Florida", "331", ("305", "786")),
    ("Orlando", "FL", "Florida", "328", ("407",)),
    ("Charlotte", "NC", "North Carolina", "282", ("704", "980")),
    ("Nashville", "TN", "Tennessee", "372", ("615",)),
    ("Washington", "DC", "District of Columbia", "200", ("202",)),
    ("Philadelphia", "PA", "Pennsylvania", "191", ("215", "267")),
    ("Pittsburgh", "PA", "Pennsylvania", "152", ("412",)),
    ("New York", "NY", "New York", "100", ("212", "646", "917")),
    ("Brooklyn", "NY", "New York", "112", ("718", "347")),
    ("Boston", "MA", "Massachusetts", "021", ("617", "857")),
    ("Cambridge", "MA", "Massachusetts", "021", ("617",)),
    ("Newark", "NJ", "New Jersey", "071", ("973", "862")),
    ("Hartford", "CT", "Connecticut", "061", ("860",)),
    ("Salt Lake City", "UT", "Utah", "841", ("801", "385")),
    ("Las Vegas", "NV", "Nevada", "891", ("702", "725")),
    ("Kansas City", "MO", "Missouri", "641", ("816",)),
    ("St. Louis", "MO", "Missouri", "631", ("314",)),
    ("Indianapolis", "IN", "Indiana", "462", ("317",)),
    ("Milwaukee", "WI", "Wisconsin", "532", ("414",)),
    ("Raleigh", "NC", "North Carolina", "276", ("919", "984")),
    ("Springfield", "IL", "Illinois", "627", ("217",)),
    ("Springfield", "MA", "Massachusetts", "011", ("413",)),
    ("Portland", "ME", "Maine", "041", ("207",)),
    ("Columbus", "GA", "Georgia", "319", ("706",)),
)

# (city, region, postal code stem, country dialling code, national area code)
INTL_CITIES = {
    "DE": (
        ("Berlin", "Berlin", "101", "49", "30"),
        ("München", "Bayern", "803", "49", "89"),
        ("Hamburg", "Hamburg", "200", "49", "40"),
        ("Frankfurt am Main", "Hessen", "603", "49", "69"),
        ("Köln", "Nordrhein-Westfalen", "506", "49", "221"),
        ("Düsseldorf", "Nordrhein-Westfalen", "402", "49", "211"),
        ("Stuttgart", "Baden-Württemberg", "701", "49", "711"),
    ),
    "FR": (
        ("Paris", "Île-de-France", "750", "33", "1"),
        ("Lyon", "Auvergne-Rhône-Alpes", "690", "33", "4"),
        ("Marseille", "Provence-Alpes-Côte d'Azur", "130", "33", "4"),
        ("Toulouse", "Occitanie", "310", "33", "5"),
    ),
    "GB": (
        ("London", "England", "EC1A", "44", "20"),
        ("Manchester", "England", "M1", "44", "161"),
        ("Birmingham", "England", "B1", "44", "121"),
        ("Edinburgh", "Scotland", "EH1", "44", "131"),
        ("Leeds", "England", "LS1", "44", "113"),
    ),
    "CA": (
        ("Toronto", "ON", "M5V", "1", "416"),
        ("Vancouver", "BC", "V6B", "1", "604"),
        ("Montréal", "QC", "H2Y", "1", "514"),
    ),
}

# Spellings of the same country seen across exports; the first is ISO 3166 alpha-2.
COUNTRY_SPELLINGS = {
    "US": ("US", "USA", "U.S.", "United States", "United States of America", "usa", "U.S.A."),
    "CA": ("CA", "Canada", "CAN"),
    "GB": ("GB", "UK", "United Kingdom", "Great Britain", "England"),
    "DE": ("DE", "Germany", "Deutschland", "DEU"),
    "FR": ("FR", "France", "FRA"),
}

NAME_PREFIXES = (
    "North", "South", "East", "West", "Blue", "Red", "Green", "Silver", "Golden", "Iron",
    "Stone", "River", "Lake", "Pine", "Oak", "Maple", "Cedar", "Summit", "Peak", "Harbor",
    "Bay", "Bright", "Clear", "Swift", "Prime", "Apex", "Nova", "Stellar", "Global", "United",
    "First", "Pacific", "Atlantic", "Great", "Grand", "Royal", "Eagle", "Falcon", "Hawk", "Wolf",
    "Bear", "Fox", "Lion", "Sun", "Star", "Moon", "Sky", "Cloud", "Rock", "Crystal",
    "Diamond", "Quantum", "Vertex", "Zen", "Alpha", "Delta", "Omega", "Metro", "Urban", "Coastal",
    "Mountain", "Valley", "Prairie", "Desert", "Arctic", "Liberty", "Pioneer", "Frontier", "Heritage", "Legacy",
    "Vanguard", "Keystone", "Horizon", "Granite", "Copper", "Cobalt", "Crimson", "Evergreen", "Highland", "Meridian",
)
NAME_ROOTS = (
    "wind", "field", "stone", "bridge", "water", "wood", "crest", "view", "point", "gate",
    "way", "line", "tech", "works", "ridge", "brook", "haven", "port", "land", "vale",
    "core", "wave", "forge", "light", "spark", "path", "mark", "star", "dale", "shore",
)
SURNAME_FIRMS = (
    "Hartman", "Keller", "Johnson", "Whitaker", "Morrison", "Prescott", "Caldwell", "Fletcher", "Harrington",
    "Lawson", "Sullivan", "Bennett", "Donovan", "Gallagher", "Holloway", "Kensington", "Lockwood", "Mercer",
    "Pemberton", "Radcliffe", "Sterling", "Thornton", "Wexler", "Yates", "Abernathy", "Brennan", "Carver",
    "Dalton", "Ellison", "Fairbanks", "Garrison", "Hawthorne", "Ingram", "Jennings", "Kingsley", "Langford",
)
ACRONYMS = ("ABC", "JKL", "TRX", "MCR", "KLM", "DMV", "RJT", "BGS", "NTS", "PQR", "XYZ", "HMS", "CPL", "GTI", "SDR")
DESCRIPTORS = (
    "Traders", "Logistics", "Holdings", "Manufacturing", "Consulting", "Industries", "Systems", "Solutions",
    "Technologies", "Foods", "Supply", "Partners", "Group", "Enterprises", "Labs", "Analytics", "Energy",
    "Capital", "Media", "Health", "Pharmaceuticals", "Construction", "Engineering", "Motors", "Electric",
    "Textiles", "Furniture", "Design", "Marketing", "Software", "Networks", "Distribution", "Imports",
    "Wholesale", "Retail", "Brewing", "Farms", "Outfitters", "Apparel", "Printing", "Security", "Aerospace",
    "Robotics", "Marine", "Transport", "Properties", "Studios", "Ventures", "Plumbing", "Dental",
)
US_LEGAL = ("Inc.", "LLC", "Corporation", "Corp.", "Co.", "Inc", "Incorporated", "LLP", "", "")
GB_LEGAL = ("Ltd", "Limited", "Ltd.", "PLC", "LLP")
DE_SURNAMES = (
    "Müller", "Schäfer", "Köhler", "Weiß", "Groß", "Bäcker", "Schröder", "Krüger", "Jäger", "Fischer",
    "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Vogel", "Friedrich",
)
DE_DESCRIPTORS = (
    "Logistik", "Maschinenbau", "Handel", "Elektrotechnik", "Bau", "Software", "Consulting", "Medizintechnik",
    "Automobil", "Lebensmittel", "Verpackung", "Stahlbau", "Druckerei", "Möbelwerke", "Gerätebau", "",
)
DE_LEGAL = ("GmbH", "GmbH", "AG", "GmbH & Co. KG", "KG")
FR_SURNAMES = (
    "Lefèvre", "Dupont", "Bérard", "Gauthier", "Fournier", "Mercier", "Lemoine", "Rousseau", "Chevalier",
    "Girard", "Moreau", "Laurent", "Dubois", "Durand", "Bélanger", "Géraud", "Noël", "Hélène",
)
FR_DESCRIPTORS = (
    "Conseil", "Transports", "Distribution", "Ingénierie", "Négoce", "Électronique", "Bâtiment",
    "Alimentaire", "Logistique", "Services", "Industrie", "Énergie",
)
FR_LEGAL = ("SARL", "SA", "SAS")

# Handed out first, so that even a small company has the textbook cases.
CURATED = (
    ("ABC Corporation", "US"),
    ("Northwind Traders LLC", "US"),
    ("Acme Holdings Inc.", "US"),
    ("Acme Logistics Inc.", "US"),
    ("Contoso Ltd", "GB"),
    ("Müller GmbH", "DE"),
    ("Société Générale de Transports SA", "FR"),
    ("Fabrikam Inc.", "US"),
    ("Wide World Importers", "US"),
    ("Tailspin Toys Corporation", "US"),
)

FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
    "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
    "Steven", "Ashley", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol",
    "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca",
    "José", "Zoë", "Renée", "François", "Jürgen", "Søren", "Chloé", "Björn", "Aurélie", "Siobhán",
    "Wei", "Priya", "Hiroshi", "Aisha", "Mateo", "Olga", "Nguyen", "Fatima", "Lars", "Ingrid",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "O'Brien", "McDonald", "García", "Müller", "Schröder", "Dubois", "Lefèvre", "Kowalski", "Van der Berg", "De la Cruz",
    "Patel", "Kim", "Chen", "Singh", "Okafor", "Andersson", "Rossi", "Novák", "Ivanova", "Yamamoto",
)
EMAIL_PROVIDERS = {
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "comcast.net"),
    "CA": ("gmail.com", "outlook.com", "rogers.com"),
    "GB": ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com"),
    "DE": ("gmx.de", "web.de", "t-online.de", "gmail.com"),
    "FR": ("orange.fr", "free.fr", "gmail.com", "laposte.net"),
}
TLD = {"US": ".com", "CA": ".ca", "GB": ".co.uk", "DE": ".de", "FR": ".fr"}

US_STREETS = (
    "Main", "Market", "Mission", "Broadway", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington",
    "Lake", "Hill", "Park", "Sunset", "Highland", "Lincoln", "Jefferson", "Madison", "Franklin", "Howard",
    "1st", "2nd", "3rd", "5th", "Commerce", "Industrial", "Harbor", "Riverside", "Spring", "Valley",
)
# (short, long) street-type spellings
STREET_TYPES = (("St", "Street"), ("Ave", "Avenue"), ("Blvd", "Boulevard"), ("Rd", "Road"), ("Dr", "Drive"),
                ("Ln", "Lane"), ("Pkwy", "Parkway"), ("Ct", "Court"), ("Pl", "Place"), ("Way", "Way"))
DE_STREETS = ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Friedrichstraße", "Königsallee")
FR_STREETS = ("rue de Rivoli", "avenue des Champs-Élysées", "boulevard Haussmann", "rue de la République", "quai Voltaire")
GB_STREETS = ("High Street", "Station Road", "Church Lane", "King's Road", "Victoria Street", "Queen Street")

INDUSTRIES = ("Technology", "Manufacturing", "Retail", "Healthcare", "Finance", "Logistics", "Energy",
              "Media", "Construction", "Hospitality", "Education", "Consulting", "Agriculture", "Transportation")
