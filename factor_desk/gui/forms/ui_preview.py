# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'preview.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QDialog,
    QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
    QPlainTextEdit, QSizePolicy, QTableView, QVBoxLayout,
    QWidget)

class Ui_previewDialog(object):
    def setupUi(self, previewDialog):
        if not previewDialog.objectName():
            previewDialog.setObjectName(u"previewDialog")
        previewDialog.resize(920, 540)
        self.layout = QVBoxLayout(previewDialog)
        self.layout.setObjectName(u"layout")
        self.summary = QLabel(previewDialog)
        self.summary.setObjectName(u"summary")
        self.summary.setWordWrap(True)

        self.layout.addWidget(self.summary)

        self.sheet = QLabel(previewDialog)
        self.sheet.setObjectName(u"sheet")
        self.sheet.setTextFormat(Qt.TextFormat.PlainText)

        self.layout.addWidget(self.sheet)

        self.view = QTableView(previewDialog)
        self.view.setObjectName(u"view")

        self.layout.addWidget(self.view)

        self.detail = QPlainTextEdit(previewDialog)
        self.detail.setObjectName(u"detail")
        self.detail.setMaximumSize(QSize(16777215, 96))
        self.detail.setReadOnly(True)

        self.layout.addWidget(self.detail)

        self.totals = QLabel(previewDialog)
        self.totals.setObjectName(u"totals")
        self.totals.setWordWrap(True)

        self.layout.addWidget(self.totals)

        self.blockers = QLabel(previewDialog)
        self.blockers.setObjectName(u"blockers")
        self.blockers.setStyleSheet(u"color: #a4262c;")
        self.blockers.setWordWrap(True)

        self.layout.addWidget(self.blockers)

        self.buttons = QHBoxLayout()
        self.buttons.setObjectName(u"buttons")
        self.confirm = QCheckBox(previewDialog)
        self.confirm.setObjectName(u"confirm")

        self.buttons.addWidget(self.confirm)

        self.buttonBox = QDialogButtonBox(previewDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel)

        self.buttons.addWidget(self.buttonBox)

        self.buttons.setStretch(0, 1)

        self.layout.addLayout(self.buttons)

        self.layout.setStretch(2, 1)

        self.retranslateUi(previewDialog)
        self.buttonBox.rejected.connect(previewDialog.reject)

        QMetaObject.connectSlotsByName(previewDialog)
    # setupUi

    def retranslateUi(self, previewDialog):
        previewDialog.setWindowTitle(QCoreApplication.translate("previewDialog", u"Preview", None))
        self.detail.setPlaceholderText(QCoreApplication.translate("previewDialog", u"Select a row to read all of why.", None))
    # retranslateUi

