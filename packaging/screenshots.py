"""Screenshots of each page on the demo data, for the README.

    QT_QPA_PLATFORM=offscreen python packaging/screenshots.py [OUT_DIR]

Makes a demo carrier in a temporary folder, submits a batch, applies a purchase report
and a payment report, then grabs every page of the window as a PNG."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QEventLoop, QTimer

    from factor_desk.gui.app import make_app, settings_for
    from factor_desk.gui.main_window import MainWindow
    from factor_desk.location import Location
    from factor_desk.services.common import run_to_end
    from factor_desk.services.desk import Desk

    app = make_app()
    from PySide6.QtCore import QLocale

    # The README shows what a clerk of a US carrier sees, whatever this machine's locale.
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    with tempfile.TemporaryDirectory() as tmp:
        location = Location.resolve(tmp)
        desk = Desk.open(location)
        desk.load_demo(loads=60)
        numbers = [str(10001 + i) for i in range(20)]
        batch = desk.submit_batch("Blue Ridge Freight LLC", numbers).batch
        lines = desk.show_batch(batch).invoice_lines
        purchase = Path(tmp) / "Purchase_Report.csv"
        with purchase.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Invoice Number", "Invoice Amount", "Purchase Date", "Status"])
            for line in lines[:-1]:
                w.writerow([line.invoice_number, line.amount, "11/28/2026", "Purchased"])
            w.writerow([lines[-1].invoice_number, lines[-1].amount, "", "Held - POD unsigned"])
        run_to_end(desk.apply_report("purchase", purchase, batch=batch))
        payments = Path(tmp) / "Payments_Report.csv"
        with payments.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"])
            for i, line in enumerate(lines[:8]):
                paid = line.amount - (75 if i == 0 else 0)
                w.writerow([line.invoice_number, "12/28/2026", paid, f"ACH-{i:05d}"])
        run_to_end(desk.apply_report("payments", payments))

        window = MainWindow(desk, settings_for(location))
        window.resize(1280, 800)  # a clerk's laptop
        window.show()

        def settle() -> None:
            loop = QEventLoop()
            timer = QTimer()
            timer.timeout.connect(lambda: loop.quit() if not window.runner.busy else None)
            timer.start(20)
            loop.exec()
            app.processEvents()

        for key in ("home", "company", "batch", "reports", "loads"):
            window.show_page(key)
            settle()
            if key == "batch":
                model = window.pages["batch"].model
                for row in range(5):
                    model.setData(model.index(row, 0), 2, 10)  # tick five loads
            if key == "reports":  # the batch, invoice by invoice
                window.pages["reports"].batch_view.selectRow(0)
                settle()
            if key == "loads":
                window.pages["loads"].view.selectRow(0)
                settle()
            path = out / f"{key}.png"
            window.grab().save(str(path))
            print(path)
        window.close()
        desk.close()


if __name__ == "__main__":
    main()
