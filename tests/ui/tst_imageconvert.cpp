// cv::Mat <-> QImage conversion: exact pixels, copies, and non-contiguous ROIs.
#include "ui/common/imageconvert.h"

#include <QtTest/QtTest>

#include <opencv2/core.hpp>

using fopro::ui::toMat;
using fopro::ui::toQImage;

class TestImageConvert : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rgbPixelsSurvive()
    {
        cv::Mat m(2, 3, CV_8UC3, cv::Scalar(0, 0, 0));
        m.at<cv::Vec3b>(0, 0) = {255, 0, 0}; // red in RGB order
        m.at<cv::Vec3b>(1, 2) = {10, 20, 30};
        const QImage img = toQImage(m);
        QCOMPARE(img.size(), QSize(3, 2));
        QCOMPARE(img.pixel(0, 0), qRgb(255, 0, 0));
        QCOMPARE(img.pixel(2, 1), qRgb(10, 20, 30));
        const cv::Mat back = toMat(img);
        QCOMPARE(cv::norm(back, m, cv::NORM_INF), 0.0);
    }
    void roiUsesStep()
    {
        // A 5×7 window of a 20×30 image is not contiguous: rows are 30*3 bytes apart.
        cv::Mat big(20, 30, CV_8UC3);
        for (int y = 0; y < big.rows; ++y)
            for (int x = 0; x < big.cols; ++x)
                big.at<cv::Vec3b>(y, x) = {uchar(x), uchar(y), uchar(x + y)};
        const cv::Mat roi = big(cv::Rect(11, 4, 7, 5));
        QVERIFY(!roi.isContinuous());
        const QImage img = toQImage(roi);
        QCOMPARE(img.size(), QSize(7, 5));
        for (int y = 0; y < 5; ++y)
            for (int x = 0; x < 7; ++x)
                QCOMPARE(img.pixel(x, y), qRgb(11 + x, 4 + y, 15 + x + y));
    }
    void resultOwnsItsPixels()
    {
        QImage img;
        {
            cv::Mat m(4, 4, CV_8UC1, cv::Scalar(77));
            img = toQImage(m);
        }
        QCOMPARE(qGray(img.pixel(3, 3)), 77);
    }
    void greyAndUnsupported()
    {
        cv::Mat g(2, 2, CV_8UC1, cv::Scalar(200));
        QCOMPARE(toQImage(g).format(), QImage::Format_Grayscale8);
        cv::Mat f(2, 2, CV_32FC1, cv::Scalar(1));
        QVERIFY(toQImage(f).isNull());
    }
};

QTEST_GUILESS_MAIN(TestImageConvert)
#include "tst_imageconvert.moc"
