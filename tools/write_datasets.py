"""Write the course's generated datasets to data/*.csv (run after changing nblib.datasets).

tests/test_datasets.py checks that the shipped CSVs still match the generators.
"""

from nblib.datasets import (
    BAKERY_FEATURES,
    DATA_DIR,
    TOY_FEATURES,
    bakery_buns,
    toy_table,
    write_csv,
)

if __name__ == "__main__":
    write_csv(DATA_DIR / "bakery_buns.csv", *bakery_buns(), BAKERY_FEATURES)
    write_csv(DATA_DIR / "toy_table.csv", *toy_table(), TOY_FEATURES)
    print(f"wrote {DATA_DIR / 'bakery_buns.csv'} and {DATA_DIR / 'toy_table.csv'}")
